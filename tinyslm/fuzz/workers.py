"""The TFLM oracle and the TFLite converter, each in a child process: TFLM aborts the whole process on some
models a fuzzer makes (a kernel's DCHECK in Prepare), and the converter dies of SIGFPE on some graphs (seed 1,
graph 214: softmax -> mean -> dense); either must end one graph's check, not the fuzzer.

Protocol over the child's stdin/stdout: length-prefixed pickles; a request is the call's arguments, the reply
("ok", result) or ("error", message). A dead child is reported as an error naming its exit, and restarted on
the next request.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from typing import Any, BinaryIO

import numpy as np


def _send(f: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(struct.pack("<Q", len(data)) + data)
    f.flush()


def _recv(f: BinaryIO) -> Any:
    head = f.read(8)
    if len(head) < 8:
        raise EOFError
    n = struct.unpack("<Q", head)[0]
    data = f.read(n)
    if len(data) < n:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - our own child process


class _Child:
    """A child process serving one kind of request (`kind`: "oracle" or "convert")."""

    kind = ""
    who = ""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
            self.proc = subprocess.Popen([sys.executable, "-m", "tinyslm.fuzz.workers", self.kind],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         env=env)
        return self.proc

    def _call(self, request: Any) -> tuple[str, Any]:
        p = self._start()
        try:
            _send(p.stdin, request)  # type: ignore[arg-type]
            return _recv(p.stdout)  # type: ignore[arg-type]
        except (EOFError, BrokenPipeError, OSError):
            p.wait(timeout=30)
            self.proc = None
            return "error", f"{self.who} killed its process (exit {p.returncode})"

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(timeout=30)
        self.proc = None

    def __enter__(self):  # noqa: ANN204 - the subclass
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OracleWorker(_Child):
    """run(model, batches) -> outputs per input set, computed by TFLM in a child process."""

    kind, who = "oracle", "TFLM (loading or running the model)"

    def run(self, model: bytes, batches: list[list[np.ndarray]]) -> tuple[str, Any]:
        """("ok", outputs) or ("error", why): TFLM refused the model, or aborted (the child died)."""
        return self._call((model, batches))


class ConvertWorker(_Child):
    """convert(graph, seed, types) -> the graph as a .tflite of those types (int8, int16x8, float32), made by the
    TFLite converter in a child process."""

    kind, who = "convert", "the TFLite converter"

    def convert(self, graph_json: str, seed: int, types: str = "int8") -> tuple[str, Any]:
        """("ok", .tflite bytes) or ("error", why): the converter refused the graph, or died."""
        return self._call((graph_json, seed, types))


def _oracle(model: bytes, batches: list[list[np.ndarray]]) -> Any:
    from ..runners.oracle import Oracle

    oracle = Oracle(model)
    return [oracle.run(b) for b in batches]


def _convert(graph_json: str, seed: int, types: str) -> bytes:
    from .graphs import Graph
    from .run import convert_graph

    return convert_graph(Graph.from_json(graph_json), seed, types)


def _serve(kind: str) -> None:
    from ..errors import TinyslmError

    handle = {"oracle": _oracle, "convert": _convert}[kind]
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the replies
    inp = sys.stdin.buffer
    while True:
        try:
            request = _recv(inp)
        except EOFError:
            return
        try:
            _send(out, ("ok", handle(*request)))
        except TinyslmError as e:
            _send(out, ("error", e.what.splitlines()[0][:300]))
        except Exception as e:  # noqa: BLE001 - the converter's refusal of a graph
            _send(out, ("error", f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"))


if __name__ == "__main__":
    _serve(sys.argv[1])
