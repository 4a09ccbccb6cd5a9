"""TensorFlow Lite Micro itself, as the bit-exact oracle on the host.

Wraps the `tflite-micro` Python package (`tflite_micro.runtime`), whose
interpreter runs TFLM's reference kernels. Used by `tinyslm verify`, `inspect`
(TFLM's own arena figure) and the tests.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass

import numpy as np

from ..errors import TinyslmError, ToolchainError


def _runtime():
    try:
        from tflite_micro import runtime
    except ImportError:
        raise ToolchainError("the TFLM oracle (Python package 'tflite-micro') is not installed",
                             hint="pip install 'tinyslm[oracle]'  (or: pip install --pre tflite-micro)") from None
    return runtime


@dataclass
class ArenaReport:
    total: int  # bytes TFLM's arena needed (head + tail)
    head: int  # non-persistent part: tensors and scratch, planned
    tail: int  # persistent part: TfLiteTensor structs, op data, node structs


class _CaptureFd2:
    """Capture C-level stderr (TFLM prints its allocation report there)."""

    def __enter__(self) -> "_CaptureFd2":
        self.tmp = tempfile.TemporaryFile(mode="w+b")
        self.saved = os.dup(2)
        os.dup2(self.tmp.fileno(), 2)
        return self

    def __exit__(self, *exc: object) -> None:
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.tmp.seek(0)
        self.text = self.tmp.read().decode(errors="replace")
        self.tmp.close()


class Oracle:
    def __init__(self, model: bytes, arena_size: int | None = None, preserve_all: bool = False):
        rt = _runtime()
        self.model = model
        size = arena_size or max(len(model) * 4, 1 << 20)
        config = rt.InterpreterConfig.kPreserveAllTensors if preserve_all else rt.InterpreterConfig.kAllocationRecording
        error = None
        with _CaptureFd2() as cap:
            try:
                self.interp = rt.Interpreter.from_bytes(model, arena_size=size, intrepreter_config=config)
            except Exception as e:  # TFLM reports unsupported ops / types here
                error = str(e)
        self.log = cap.text
        if error is not None:
            detail = "; ".join(line.strip() for line in self.log.splitlines() if line.strip())[:500]
            raise TinyslmError(f"TFLM cannot load this model: {error}" + (f" ({detail})" if detail else ""),
                               hint="the model must be one TensorFlow Lite Micro runs")
        import tflite  # the flatbuffer schema: TFLM's own view of the model, whatever tinyslm compiles

        self.n_outputs = tflite.Model.GetRootAsModel(model, 0).Subgraphs(0).OutputsLength()

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        for i, x in enumerate(inputs):
            self.interp.set_input(np.ascontiguousarray(x), i)
        with _CaptureFd2() as cap:
            try:
                self.interp.invoke()
            except Exception as e:
                raise TinyslmError(f"TFLM failed to run the model: {e}\n{cap.text if hasattr(cap, 'text') else ''}")
        return [np.array(self.interp.get_output(k)) for k in range(self.n_outputs)]

    def reset(self) -> None:
        """TFLM's MicroInterpreter::Reset: the model's variable tensors back to their start values."""
        with _CaptureFd2():
            self.interp.reset()

    def tensor(self, index: int) -> np.ndarray:
        """An intermediate tensor (needs preserve_all=True)."""
        return np.array(self.interp.GetTensor(index, 0))

    def arena(self) -> ArenaReport:
        with _CaptureFd2() as cap:
            self.interp.print_allocations()
        text = cap.text

        def grab(what: str) -> int:
            m = re.search(rf"Arena allocation {what} (\d+) bytes", text)
            return int(m.group(1)) if m else -1

        return ArenaReport(grab("total"), grab("head"), grab("tail"))


def random_inputs(specs: list, rng: np.random.Generator) -> list[np.ndarray]:
    """Uniformly random values over each input's full integer range (or N(0,1) floats)."""
    out = []
    for t in specs:
        if t.dtype == "float32":
            out.append(rng.standard_normal(t.shape).astype(np.float32))
        else:
            info = np.iinfo(np.dtype(t.dtype))
            # (uint64's range does not fit numpy's default int64 draw: drawn as uint64; the others as before)
            kw = {"dtype": np.uint64} if t.dtype == "uint64" else {}
            out.append(rng.integers(info.min, info.max, size=t.shape, endpoint=True, **kw).astype(t.dtype))
    return out
