"""Render and build the firmware project for a board: compiled model + app + board C.

    OUT/
      model/    the compiled model (NAME.h, NAME.c, kernels)
      app/      the MLPerf Tiny / EEMBC serial protocol (firmware/app)
      board/    startup and drivers (boards/common + boards/<family>)
      main.c, board_config.h, link.ld, Makefile, CMakeLists.txt   (generated)
      build/firmware.elf .bin .hex, firmware.json                  (after the build)

The Makefile and CMakeLists.txt work outside tinyslm. A model that cannot fit
the board is refused before anything is built, with the numbers.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import __version__
from .boards import Board, get_board
from .errors import TinyslmError, ToolchainError
from .resources import boards_dir, firmware_dir

APP_STATIC_RAM = 1024  # command line, db state, driver state (measured: ~300 B, rounded up)
CODE_ESTIMATE = 12 * 1024  # app + board + kernels, for the pre-build fit check
RENODE_PORT = 3456  # the UART's TCP port in the generated .resc


class FitError(TinyslmError):
    """The model does not fit the board."""


@dataclass
class SizeReport:
    board: str
    flash_bytes: int  # .text + .data initializers
    weights_bytes: int  # of which weights, tables and parameters
    code_bytes: int  # the rest: code and constants
    flash_capacity: int
    ram_bytes: int  # .data + .bss + stack
    arena_bytes: int
    io_bytes: int  # db, input and output buffers
    stack_bytes: int
    ram_capacity: int

    @property
    def ram_other(self) -> int:
        return self.ram_bytes - self.arena_bytes - self.io_bytes - self.stack_bytes

    def lines(self) -> list[str]:
        kb = lambda n: f"{n / 1024:,.1f} KB"  # noqa: E731
        return [
            f"flash: {kb(self.flash_bytes)} of {kb(self.flash_capacity)} "
            f"({100 * self.flash_bytes / self.flash_capacity:.1f}%): code {kb(self.code_bytes)}, "
            f"weights {kb(self.weights_bytes)}; free {kb(self.flash_capacity - self.flash_bytes)}",
            f"RAM:   {kb(self.ram_bytes)} of {kb(self.ram_capacity)} "
            f"({100 * self.ram_bytes / self.ram_capacity:.1f}%): arena {kb(self.arena_bytes)}, "
            f"I/O buffers {kb(self.io_bytes)}, stack {kb(self.stack_bytes)}, rest {kb(self.ram_other)}; "
            f"free {kb(self.ram_capacity - self.ram_bytes)}",
        ]


@dataclass
class Firmware:
    out_dir: Path
    board: Board
    model_name: str
    model_sha256: str
    build_id: str
    elf: Path
    bin: Path
    hex: Path
    size: SizeReport
    inputs: list[dict]
    outputs: list[dict]

    def metadata(self) -> dict:
        return dict(tinyslm=__version__, board=self.board.name, model=self.model_name,
                    model_sha256=self.model_sha256, build_id=self.build_id, elf=self.elf.name,
                    size=asdict(self.size), inputs=self.inputs, outputs=self.outputs)


def template_env():
    """The Jinja environment for templates/: StrictUndefined, so a missing value is an error, never blank."""
    import jinja2

    from .resources import templates_dir

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, autoescape=False)


def _io_layout(cm, frontend: str | None = None) -> tuple[int, list[dict]]:
    """Size of the db buffer (every input back to back) and the tensors' buffer descriptions."""
    tensors = []
    off = 0
    for i, t in enumerate(cm.inputs):
        # an input lives inside the db buffer (no second copy in RAM) when its offset keeps 8-byte alignment,
        # and when no frontend writes it from PCM held in that same buffer
        tensors.append(dict(kind="input", pos=i, name=t.name.replace('"', "'"), dtype=t.dtype,
                            shape="x".join(map(str, t.shape)), scale=repr(float(np.float32(t.scale))),
                            zero_point=t.zero_point, nbytes=t.nbytes, var=f"in{i}",
                            db_offset=off if off % 8 == 0 and frontend is None else -1))
        off += t.nbytes
    for i, t in enumerate(cm.outputs):
        tensors.append(dict(kind="output", pos=i, name=t.name.replace('"', "'"), dtype=t.dtype,
                            shape="x".join(map(str, t.shape)), scale=repr(float(np.float32(t.scale))),
                            zero_point=t.zero_point, nbytes=t.nbytes, var=f"out{i}", db_offset=-1))
    return off, tensors


def _io_ram(db_bytes: int, tensors: list[dict]) -> int:
    """RAM of the db buffer plus every tensor buffer that does not live inside it."""
    return db_bytes + sum(t["nbytes"] for t in tensors if t["db_offset"] < 0)


FRONTENDS = {"kws": 16000 * 2}  # frontend -> bytes of int16 PCM per clip


def check_fit(cm, board: Board, frontend: str | None = None) -> None:
    """Refuse a model the board cannot hold, before building (exact numbers come after the link)."""
    db_bytes, tensors = _io_layout(cm, frontend)
    io = _io_ram(max(db_bytes, FRONTENDS.get(frontend or "", 0)), tensors)
    ram = cm.arena_bytes + io + board.stack_bytes + APP_STATIC_RAM
    flash = cm.weights_bytes + CODE_ESTIMATE
    kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
    if ram > board.memory.ram_bytes:
        raise FitError(f"model does not fit {board.name}: needs {kb(ram)} RAM, board has "
                       f"{kb(board.memory.ram_bytes)} (arena {kb(cm.arena_bytes)}, input/output buffers "
                       f"{kb(io)}, stack {kb(board.stack_bytes)}, app {kb(APP_STATIC_RAM)})",
                       hint="choose a smaller model (tinyslm build --board sizes one) or a board with more RAM")
    if flash > board.memory.flash_bytes:
        raise FitError(f"model does not fit {board.name}: needs about {kb(flash)} flash, board has "
                       f"{kb(board.memory.flash_bytes)} (weights {kb(cm.weights_bytes)})",
                       hint="prune or shrink the model, or choose a board with more flash")


def render(model, board: Board | str, out_dir: Path, name: str = "model", opt: str = "-O2",
           frontend: str | None = None):
    """Write the firmware project (no build). Returns the CompiledModel.

    frontend: "kws" also puts the on-device feature frontend (firmware/frontend) in the
    firmware, so it can take raw audio (`tinyslm-pcm`)."""
    from .compiler import compile_model

    b = get_board(board) if isinstance(board, str) else board
    if frontend is not None and frontend not in FRONTENDS:
        raise TinyslmError(f"unknown frontend '{frontend}'", hint=f"use one of: {', '.join(FRONTENDS)}")
    out = Path(out_dir)
    for sub in ("model", "app", "board", "frontend"):
        shutil.rmtree(out / sub, ignore_errors=True)
    cm = compile_model(model, out / "model", name=name, target=b.kernel_target)
    if frontend is not None:
        t = cm.inputs[0]
        if t.dtype != "int8" or int(np.prod(t.shape)) != 49 * 10:
            raise TinyslmError(f"the {frontend} frontend makes int8 49x10 features, but the model's input is "
                               f"{t.dtype} {'x'.join(map(str, t.shape))}", hint="build without --frontend")
        (out / "frontend").mkdir(parents=True)
        for f in ("tslm_frontend", "tslm_rfft", f"tslm_frontend_{frontend}"):
            for ext in (".c", ".h"):
                shutil.copyfile(firmware_dir() / "frontend" / (f + ext), out / "frontend" / (f + ext))
    check_fit(cm, b, frontend)
    shutil.copytree(firmware_dir() / "app", out / "app", ignore=shutil.ignore_patterns("*.md"))
    (out / "board").mkdir(parents=True)
    for src in sorted((boards_dir() / "common").glob("*")) + sorted((boards_dir() / b.family).glob("*")):
        if src.suffix in (".c", ".h"):
            shutil.copyfile(src, out / "board" / src.name)
    db_bytes, tensors = _io_layout(cm, frontend)
    build_id = hashlib.sha256(f"{cm.model_sha256}:{b.name}:{__version__}:{cm.target}:{opt}:{frontend}".encode()
                              ).hexdigest()[:12]
    env = template_env()
    ctx = dict(version=__version__, board=b, name=name, source=Path(cm.graph.source).name, sha256=cm.model_sha256,
               tensors=tensors, n_in=len(cm.inputs), n_out=len(cm.outputs), db_bytes=db_bytes,
               arena_bytes=cm.arena_bytes, build_id=build_id, cpu_flags=" ".join(b.cflags), opt=opt,
               frontend=frontend, pcm_bytes=FRONTENDS.get(frontend or "", 0))
    for template, target in (("main.c.j2", "main.c"), ("board_config.h.j2", "board_config.h"),
                             ("firmware.ld.j2", "link.ld"), ("Makefile.j2", "Makefile"),
                             ("CMakeLists.txt.j2", "CMakeLists.txt")):
        (out / target).write_text(env.get_template(template).render(**ctx))
    if b.emulator.renode_platform:  # Renode script and Robot test, used when `renode` is installed
        for template, target in (("renode.resc.j2", f"{b.name}.resc"), ("renode.robot.j2", f"{b.name}.robot")):
            (out / target).write_text(env.get_template(template).render(
                board=b, elf="$ORIGIN/build/firmware.elf", port=RENODE_PORT))
    cm.build_id = build_id  # type: ignore[attr-defined]
    return cm


def _section_sizes(elf: Path) -> dict[str, int]:
    size_tool = shutil.which("arm-none-eabi-size")
    out = subprocess.run([size_tool or "arm-none-eabi-size", "-A", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    sizes: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def build(model, board: Board | str, out_dir: Path, name: str = "model", opt: str = "-O2",
          jobs: int = 2, frontend: str | None = None) -> Firmware:
    """Render, build with arm-none-eabi-gcc (make), and measure."""
    b = get_board(board) if isinstance(board, str) else board
    for tool, pkg in (("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi"), ("make", "make")):
        if shutil.which(tool) is None:
            raise ToolchainError(f"'{tool}' not found: cannot build firmware",
                                 hint=f"install it (Debian/Ubuntu: apt-get install {pkg})")
    out = Path(out_dir)
    cm = render(model, b, out, name, opt, frontend)
    shutil.rmtree(out / "build", ignore_errors=True)
    r = subprocess.run(["make", "-C", str(out), f"-j{jobs}", "--no-print-directory"], capture_output=True, text=True)
    if r.returncode != 0:
        text = r.stderr.strip()
        if "RAM overflow" in text or "will not fit in region" in text or "overflowed by" in text:
            raise FitError(f"firmware does not fit {b.name}: {text.splitlines()[-1][:300]}",
                           where=str(out), hint="choose a smaller model or a board with more memory")
        raise ToolchainError(f"firmware build failed:\n{text[-3000:]}", where=str(out))
    elf = out / "build" / "firmware.elf"
    s = _section_sizes(elf)
    flash = s.get(".text", 0) + s.get(".ARM.exidx", 0) + s.get(".data", 0)
    db_bytes, tensors = _io_layout(cm, frontend)
    report = SizeReport(b.name, flash, cm.weights_bytes, flash - cm.weights_bytes, b.memory.flash_bytes,
                        s.get(".data", 0) + s.get(".bss", 0) + b.stack_bytes, cm.arena_bytes,
                        _io_ram(max(db_bytes, FRONTENDS.get(frontend or "", 0)), tensors), b.stack_bytes,
                        b.memory.ram_bytes)
    fw = Firmware(out, b, name, cm.model_sha256, cm.build_id, elf, out / "build" / "firmware.bin",  # type: ignore
                  out / "build" / "firmware.hex", report,
                  [t for t in tensors if t["kind"] == "input"], [t for t in tensors if t["kind"] == "output"])
    (out / "firmware.json").write_text(json.dumps(fw.metadata(), indent=2) + "\n")
    return fw


def load_metadata(path: Path) -> dict:
    """firmware.json of a built firmware folder (or the folder of an ELF)."""
    p = Path(path)
    meta = p / "firmware.json" if p.is_dir() else p.parent.parent / "firmware.json"
    if not meta.exists():
        raise TinyslmError(f"no firmware.json found for {path}",
                           hint="pass a folder made by `tinyslm firmware` (or its build/firmware.elf)")
    return json.loads(meta.read_text())
