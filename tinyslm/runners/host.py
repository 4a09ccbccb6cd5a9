"""Build a generated model for the host with gcc and run inputs through it.

The kernel files are the same for every model, so each is compiled once per (compiler, flags, source,
kernel headers) into a user cache (`$TINYSLM_CACHE`, else `$XDG_CACHE_HOME/tinyslm`, else
`~/.cache/tinyslm`) and linked from there; only the model and the harness are compiled per build. The
fuzzer's DSP-target builds went from ~6 s to well under one second this way.
"""

from __future__ import annotations

import hashlib
import os
import re
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
    compiler = find_cc(cc)
    flags = [*(SANITIZE_FLAGS if sanitize else []), *WARN_FLAGS, opt, "-I", str(cm.out_dir)]
    kernels = [f for f in cm.sources if f.name.startswith("tslm_")]
    per_model = [f for f in cm.sources if f not in kernels]
    objects = [kernel_object(compiler, flags, src, cm.out_dir) for src in kernels]
    compile_c([compiler, *flags, str(main_c), *map(str, per_model), *map(str, objects), "-lm", "-o", str(exe)],
        cm.out_dir)
    return exe


def cache_dir() -> Path:
    """Where compiled kernel objects are kept between builds."""
    if os.environ.get("TINYSLM_CACHE"):
        return Path(os.environ["TINYSLM_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinyslm"


def kernel_object(compiler: str, flags: list[str], src: Path, folder: Path) -> Path:
    """The object file of one kernel source, compiled once: keyed by the compiler (path and version), the
    flags (less the model's folder), the source and the headers of the folder it includes (transitively)."""
    h = hashlib.sha256()
    h.update(compiler.encode() + b"\0" + _cc_version(compiler).encode() + b"\0")
    h.update("\0".join(f for f in flags if f != str(folder)).encode() + b"\0")
    for f in [src, *_local_includes(src, folder)]:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    obj = cache_dir() / "host-objects" / f"{src.stem}-{h.hexdigest()[:24]}.o"
    if not obj.exists():
        obj.parent.mkdir(parents=True, exist_ok=True)
        tmp = obj.with_suffix(f".{os.getpid()}.tmp")
        compile_c([compiler, *flags, "-c", str(src), "-o", str(tmp)], folder)
        os.replace(tmp, obj)  # atomic: builds running side by side never see half a file
    return obj


_INCLUDE = re.compile(rb'^\s*#\s*include\s*"([^"]+)"', re.M)


def _local_includes(src: Path, folder: Path) -> list[Path]:
    """The headers of `folder` that `src` includes, directly or through another, in a stable order."""
    seen: dict[str, Path] = {}
    todo = [src]
    while todo:
        for name in _INCLUDE.findall(todo.pop().read_bytes()):
            f = folder / name.decode()
            if f.name not in seen and f.is_file():
                seen[f.name] = f
                todo.append(f)
    return [seen[k] for k in sorted(seen)]


_VERSIONS: dict[str, str] = {}


def _cc_version(compiler: str) -> str:
    if compiler not in _VERSIONS:
        _VERSIONS[compiler] = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout
    return _VERSIONS[compiler]


def compile_c(cmd: list[str], folder: Path) -> None:
    """Run one host compiler command; a failure is a ToolchainError naming the model folder."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise ToolchainError(f"the generated C did not compile for the host:\n{r.stderr.strip()[:4000]}",
                             where=str(folder), hint="this is a tinyslm bug; please report it with the model")


def run_host(exe: Path, cm: CompiledModel, batches: list[list[np.ndarray]], timeout: float = 600,
             reset_every: int = 0) -> list[list[np.ndarray]]:
    """Run every input set through the executable, in order (a model's state carries from one to the next; with
    reset_every = N > 0 it is reset before every N-th set after the first); returns the outputs per set."""
    payload = b"".join(np.ascontiguousarray(a).tobytes() for inputs in batches for a in inputs)
    r = subprocess.run([str(exe)] + ([str(reset_every)] if reset_every > 0 else []), input=payload,
                       capture_output=True, timeout=timeout)
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
