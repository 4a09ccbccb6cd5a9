"""Build a generated model for the host with gcc and run inputs through it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from .. import __version__
from ..compiler import CompiledModel
from ..errors import ToolchainError
from ..templating import template_env
from ..toolchain import SANITIZE_FLAGS, WARN_FLAGS, find_cc

__all__ = ["SANITIZE_FLAGS", "WARN_FLAGS", "build_host", "find_cc", "run_host"]


def build_host(cm: CompiledModel, work: Path, sanitize: bool = False, cc: str = "gcc",
               opt: str = "-O2") -> Path:
    """Compile the model folder plus a stdin/stdout harness into an executable."""
    from ..compiler.targets import get_target

    target = get_target(cm.target)
    if not target.host:
        raise ToolchainError(f"the {target.label} kernels of {cm.out_dir} build only for their CPU, not the host",
                             hint="check them in the emulator (e.g. tinyslm verify MODEL --board mps3-an547), or "
                                  f"compile with --target {target.base.name if target.base else 'portable'} for a host run")
    work.mkdir(parents=True, exist_ok=True)
    buffers = [dict(kind="input", pos=i, var=f"in{i}", nbytes=t.nbytes) for i, t in enumerate(cm.inputs)]
    buffers += [dict(kind="output", pos=i, var=f"out{i}", nbytes=t.nbytes) for i, t in enumerate(cm.outputs)]
    main = template_env().get_template("host_main.c.j2").render(
        version=__version__, name=cm.name, buffers=buffers, n_in=len(cm.inputs), n_out=len(cm.outputs))
    main_c = work / "host_main.c"
    main_c.write_text(main)
    exe = work / (f"{cm.name}_host" + ("_san" if sanitize else ""))
    cmd = [find_cc(cc), *WARN_FLAGS, opt, "-I", str(cm.out_dir), str(main_c), *map(str, cm.sources), "-lm",
           "-o", str(exe)]
    if sanitize:
        cmd[1:1] = SANITIZE_FLAGS
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise ToolchainError(f"the generated C did not compile for the host:\n{r.stderr.strip()[:4000]}",
                             where=str(cm.out_dir), hint="this is a tinyslm bug; please report it with the model")
    return exe


def run_host(exe: Path, cm: CompiledModel, batches: list[list[np.ndarray]], timeout: float = 600) -> list[list[np.ndarray]]:
    """Run every input set through the executable; returns the outputs per set."""
    payload = b"".join(np.ascontiguousarray(a).tobytes() for inputs in batches for a in inputs)
    r = subprocess.run([str(exe)], input=payload, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise ToolchainError(f"the host build of the model failed (exit {r.returncode}):\n"
                             f"{r.stderr.decode(errors='replace')[:4000]}", where=str(exe))
    per = sum(t.nbytes for t in cm.outputs)
    if len(r.stdout) != per * len(batches):
        raise ToolchainError(f"the host build returned {len(r.stdout)} bytes, expected {per * len(batches)}",
                             where=str(exe))
    outs, off = [], 0
    for _ in batches:
        row = []
        for t in cm.outputs:
            a = np.frombuffer(r.stdout[off:off + t.nbytes], dtype=np.dtype(t.dtype)).reshape(t.shape)
            off += t.nbytes
            row.append(a)
        outs.append(row)
    return outs
