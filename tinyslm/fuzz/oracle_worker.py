"""The TFLM oracle in a child process: TFLM aborts the whole process on some models a fuzzer makes (a kernel's
DCHECK in Prepare), which must end one graph's check, not the fuzzer.

Protocol over the child's stdin/stdout: length-prefixed pickles; a request is (model bytes, input sets), the
reply ("ok", outputs per set) or ("error", message). A dead child is reported as TFLM aborting, and restarted
on the next request.
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


class OracleWorker:
    """run(model, batches) -> outputs per input set, computed by TFLM in a child process."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
            self.proc = subprocess.Popen([sys.executable, "-m", "tinyslm.fuzz.oracle_worker"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        return self.proc

    def run(self, model: bytes, batches: list[list[np.ndarray]]) -> tuple[str, Any]:
        """("ok", outputs) or ("error", why): TFLM refused the model, or aborted (the child died)."""
        p = self._start()
        try:
            _send(p.stdin, (model, batches))  # type: ignore[arg-type]
            return _recv(p.stdout)  # type: ignore[arg-type]
        except (EOFError, BrokenPipeError, OSError):
            p.wait(timeout=30)
            self.proc = None
            return "error", f"TFLM aborted the process (exit {p.returncode}) loading or running the model"

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(timeout=30)
        self.proc = None

    def __enter__(self) -> "OracleWorker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve() -> None:
    from ..runners.oracle import Oracle
    from ..errors import TinyslmError

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the replies
    inp = sys.stdin.buffer
    while True:
        try:
            model, batches = _recv(inp)
        except EOFError:
            return
        try:
            oracle = Oracle(model)
            _send(out, ("ok", [oracle.run(b) for b in batches]))
        except TinyslmError as e:
            _send(out, ("error", e.what.splitlines()[0][:300]))


if __name__ == "__main__":
    _serve()
