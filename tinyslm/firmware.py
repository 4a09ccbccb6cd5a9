"""Render and build the firmware project for a board: compiled model + app + board C.

(~400 lines: rendering, the fit check and the build of one project, plus the host build of the same app
that `tinyslm console --host` and the MLPerf tests run; they share the I/O layout.)

    OUT/
      model/    the compiled model (NAME.h, NAME.c, kernels)
      app/      the MLPerf Tiny / EEMBC serial protocol (firmware/app)
      board/    startup and drivers (boards/common + boards/<family>)
      main.c, board_config.h, link.ld, Makefile, CMakeLists.txt   (generated)
      build/firmware.elf .bin .hex, firmware.json                  (after the build)

The Makefile and CMakeLists.txt work outside tinyslm. A model that cannot fit
the board is refused before anything is built, with the numbers.

With `mlperf` (kws01, ad01, ic01, vww01) the firmware also answers as that MLPerf
Tiny benchmark's reference submission does (firmware/app/tslm_app.h says how), so
the official MLPerf Tiny runner can drive it unchanged. `build_host_app` builds the
same app for this machine (the protocol on stdin/stdout), for tests.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import __version__
from .boards import Board, get_board
from .errors import TinyslmError, ToolchainError
from .resources import boards_dir, firmware_dir
from .templating import template_env
from .toolchain import find_tool, section_sizes

APP_STATIC_RAM = 1024  # command line, db state, driver state (measured: ~300 B, rounded up)
CODE_ESTIMATE = 12 * 1024  # app + board + kernels, for the pre-build fit check
RENODE_PORT = 3456  # the UART's TCP port in the generated .resc


class FitError(TinyslmError):
    """The model does not fit the board."""

    flash = False  # True: it is the flash that is short (a size-optimized build may still fit)


class FlashFitError(FitError):
    """The firmware does not fit the board's flash."""

    flash = True


# What `--optimize` chooses: the flags the kernels, the model and the app are compiled with. The C is the
# same either way (so are its outputs, byte for byte). Size: -Os, and TSLM_OPTIMIZE_SIZE lets the compiler
# call the kernels' inner-loop helpers instead of forcing a specialised inlined copy into every caller
# (tslm_common.h's TSLM_ALWAYS_INLINE): fewer instructions of flash, more of time.
OPTIMIZE = {"speed": "-O2", "size": "-Os -DTSLM_OPTIMIZE_SIZE"}


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
    profile_name: str = ""  # what `profile` answers as m-model-[...]
    mlperf: str | None = None  # the MLPerf Tiny benchmark it answers as
    optimize: str = "speed"  # what it was compiled for (OPTIMIZE)

    def metadata(self) -> dict:
        return dict(tinyslm=__version__, board=self.board.name, model=self.model_name,
                    model_sha256=self.model_sha256, build_id=self.build_id, elf=self.elf.name,
                    size=asdict(self.size), inputs=self.inputs, outputs=self.outputs,
                    profile_name=self.profile_name, mlperf=self.mlperf, optimize=self.optimize)


@dataclass(frozen=True)
class MlperfBenchmark:
    """What one MLPerf Tiny benchmark's runner sends with `db load` (see firmware/app/tslm_app.h)."""

    name: str
    code: str  # TSLM_MLPERF_* in tslm_app.h
    input_elems: int
    bytes_per_elem: int
    what: str

    @property
    def load_bytes(self) -> int:
        return self.input_elems * self.bytes_per_elem


MLPERF = {b.name: b for b in (
    MlperfBenchmark("kws01", "TSLM_MLPERF_KWS01", 49 * 10, 1, "int8 MFCC features (49x10), used as they are"),
    MlperfBenchmark("ad01", "TSLM_MLPERF_AD01", 640, 4, "a float32 window of 640 log-mel values, quantized on the device"),
    MlperfBenchmark("ic01", "TSLM_MLPERF_IC01", 32 * 32 * 3, 1, "a 32x32x3 image of bytes 0..255, minus 128"),
    MlperfBenchmark("vww01", "TSLM_MLPERF_VWW01", 96 * 96 * 3, 1, "a 96x96x3 image of bytes 0..255, minus 128"),
)}


def check_mlperf(cm, benchmark: str) -> MlperfBenchmark:
    """The benchmark, if the compiled model can answer as it (one int8 input of its size, one int8 output)."""
    if benchmark not in MLPERF:
        raise TinyslmError(f"unknown MLPerf Tiny benchmark '{benchmark}'", hint=f"use one of: {', '.join(MLPERF)}")
    b = MLPERF[benchmark]
    shape = lambda t: "x".join(map(str, t.shape))  # noqa: E731
    if len(cm.inputs) != 1 or len(cm.outputs) != 1:
        raise TinyslmError(f"MLPerf Tiny {b.name} needs a model with one input and one output; this one has "
                           f"{len(cm.inputs)} and {len(cm.outputs)}", hint="build without --mlperf")
    t, o = cm.inputs[0], cm.outputs[0]
    if t.dtype != "int8" or int(np.prod(t.shape)) != b.input_elems:
        raise TinyslmError(f"MLPerf Tiny {b.name} sends {b.what} ({b.input_elems} values), but the model's input is "
                           f"{t.dtype} {shape(t)}", hint="build without --mlperf, or choose the benchmark of this model")
    if o.dtype != "int8":
        raise TinyslmError(f"MLPerf Tiny {b.name} reports int8 outputs, dequantized; the model's output is "
                           f"{o.dtype} {shape(o)}", hint="build without --mlperf")
    if b.name == "ad01" and int(np.prod(o.shape)) != b.input_elems:
        raise TinyslmError(f"MLPerf Tiny ad01's score compares the output with the input, value by value; the "
                           f"model's output is {shape(o)}, its input {shape(t)}", hint="build without --mlperf")
    return b


def lap_fraction(board: Board) -> tuple[int, int, str]:
    """(num, den, what): m-lap-us- = timer ticks * num / den, and what that time is.

    On a board run in QEMU (runner kind "qemu", -icount shift=0: one instruction per virtual ns, the timer
    ticking at its rate in that virtual time) the microseconds are the instructions at the board's clock,
    assuming one instruction per cycle; on a real board, the timer's own microseconds."""
    if board.runner.kind == "qemu":
        num, den = 10**15, board.systick_hz * board.clock_hz
        what = (f"instructions (QEMU -icount shift=0) at the board's {board.clock_hz / 1e6:g} MHz clock, one "
                f"instruction per cycle")
    else:
        num, den = 10**6, board.systick_hz
        what = f"the board's timer ({board.systick_hz / 1e6:g} MHz)"
    g = math.gcd(num, den)
    num, den = num // g, den // g
    if num >= 2**32 or den >= 2**32 or num * den >= 2**63:
        raise TinyslmError(f"board {board.name}: clock {board.clock_hz} Hz and timer {board.systick_hz} Hz give a "
                           f"time-stamp ratio {num}/{den} too large for the firmware", hint="check the board file")
    return num, den, what


def profile_name(model, name: str, mlperf: str | None = None, label: str | None = None) -> str:
    """What `profile` answers as m-model-[...]: the benchmark, else the label or the model file's name."""
    if mlperf:
        return mlperf
    if label is None:
        label = Path(model).stem if isinstance(model, (str, Path)) else name
    label = re.sub(r"[^A-Za-z0-9._+-]", "_", label)[:64]
    return label or name


def _io_layout(cm, frontend: str | None = None, mlperf: str | None = None) -> tuple[int, list[dict]]:
    """Size of the db buffer (every input back to back) and the tensors' buffer descriptions."""
    tensors = []
    off = 0
    in_place = frontend is None and mlperf in (None, "kws01")
    for i, t in enumerate(cm.inputs):
        # an input lives inside the db buffer (no second copy in RAM) when its offset keeps 8-byte alignment,
        # when no frontend writes it from PCM held in that same buffer, and when no benchmark's input is
        # converted into it (ad01, ic01, vww01)
        tensors.append(dict(kind="input", pos=i, name=t.name.replace('"', "'"), dtype=t.dtype,
                            shape="x".join(map(str, t.shape)), scale=repr(float(np.float32(t.scale))),
                            zero_point=t.zero_point, nbytes=t.nbytes, var=f"in{i}",
                            db_offset=off if off % 8 == 0 and in_place else -1))
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


def _db_bytes(db_bytes: int, frontend: str | None, mlperf: str | None) -> int:
    return max(db_bytes, FRONTENDS.get(frontend or "", 0), MLPERF[mlperf].load_bytes if mlperf else 0)


def check_fit(cm, board: Board, frontend: str | None = None, mlperf: str | None = None) -> None:
    """Refuse a model the board cannot hold, before building (exact numbers come after the link)."""
    db_bytes, tensors = _io_layout(cm, frontend, mlperf)
    io = _io_ram(_db_bytes(db_bytes, frontend, mlperf), tensors)
    ram = cm.arena_bytes + io + board.stack_bytes + APP_STATIC_RAM
    flash = cm.weights_bytes + CODE_ESTIMATE
    kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
    if ram > board.memory.ram_bytes:
        raise FitError(f"model does not fit {board.name}: needs {kb(ram)} RAM, board has "
                       f"{kb(board.memory.ram_bytes)} (arena {kb(cm.arena_bytes)}, input/output buffers "
                       f"{kb(io)}, stack {kb(board.stack_bytes)}, app {kb(APP_STATIC_RAM)})",
                       hint="choose a smaller model (tinyslm build --board sizes one) or a board with more RAM")
    if flash > board.memory.flash_bytes:
        raise FlashFitError(f"model does not fit {board.name}: needs about {kb(flash)} flash, board has "
                       f"{kb(board.memory.flash_bytes)} (weights {kb(cm.weights_bytes)})",
                       hint="prune or shrink the model, or choose a board with more flash")


def opt_flag(optimize: str) -> str:
    """The compiler flag of an --optimize choice.

    >>> opt_flag("size")
    '-Os -DTSLM_OPTIMIZE_SIZE'
    """
    if optimize not in OPTIMIZE:
        raise TinyslmError(f"unknown optimization goal '{optimize}'", hint=f"use one of: {', '.join(OPTIMIZE)}")
    return OPTIMIZE[optimize]


def render(model, board: Board | str, out_dir: Path, name: str = "model", optimize: str = "speed",
           frontend: str | None = None, mlperf: str | None = None, label: str | None = None,
           frontend_config=None):
    """Write the firmware project (no build). Returns the CompiledModel.

    frontend: "kws" also puts the on-device feature frontend (firmware/frontend) in the
    firmware, so it can take raw audio (`tinyslm-pcm`); frontend_config (a
    :class:`~tinyslm.data.frontend.FrontendConfig`, e.g. a `tinyslm tune` point's MFCC count and frame
    step): its C tables are generated from that config instead of the preset's. mlperf: the MLPerf Tiny benchmark
    (kws01, ad01, ic01, vww01) the firmware answers as. label: the name `profile` gives
    without mlperf (default: the model file's name)."""
    from .compiler import compile_model

    b = get_board(board) if isinstance(board, str) else board
    opt = opt_flag(optimize)
    if frontend is not None and frontend not in FRONTENDS:
        raise TinyslmError(f"unknown frontend '{frontend}'", hint=f"use one of: {', '.join(FRONTENDS)}")
    out = Path(out_dir)
    for sub in ("model", "app", "board", "frontend"):
        shutil.rmtree(out / sub, ignore_errors=True)
    cm = compile_model(model, out / "model", name=name, target=b.kernel_target)
    if frontend is not None:
        from .data.frontend_c import PRESETS, write_frontend_tables

        fc = frontend_config or PRESETS[frontend]
        frames, feats = fc.num_frames(), fc.num_out
        t = cm.inputs[0]
        if t.dtype != "int8" or int(np.prod(t.shape)) != frames * feats:
            raise TinyslmError(f"the {frontend} frontend makes int8 {frames}x{feats} features, but the model's "
                               f"input is {t.dtype} {'x'.join(map(str, t.shape))}", hint="build without --frontend")
        (out / "frontend").mkdir(parents=True)
        copied = ("tslm_frontend", "tslm_rfft") + (() if frontend_config else (f"tslm_frontend_{frontend}",))
        for f in copied:
            for ext in (".c", ".h"):
                shutil.copyfile(firmware_dir() / "frontend" / (f + ext), out / "frontend" / (f + ext))
        if frontend_config is not None:  # the same engine, tables of this config (same file and symbol names)
            write_frontend_tables(frontend_config, frontend, out / "frontend")
    if mlperf is not None:
        check_mlperf(cm, mlperf)
    check_fit(cm, b, frontend, mlperf)
    shutil.copytree(firmware_dir() / "app", out / "app", ignore=shutil.ignore_patterns("*.md"))
    (out / "board").mkdir(parents=True)
    for src in sorted((boards_dir() / "common").glob("*")) + sorted((boards_dir() / b.family).glob("*")):
        if src.suffix in (".c", ".h"):
            shutil.copyfile(src, out / "board" / src.name)
    pname = profile_name(model, name, mlperf, label)
    fe_id = f":{frontend_config.to_json()}" if frontend is not None and frontend_config is not None else ""
    build_id = hashlib.sha256(f"{cm.model_sha256}:{b.name}:{__version__}:{cm.target}:{opt}:{frontend}:{mlperf}:"
                              f"{pname}{fe_id}".encode()).hexdigest()[:12]
    env = template_env()
    ctx = _main_context(cm, b.name, name, frontend, mlperf, pname, lap_fraction(b))
    ctx.update(board=b, build_id=build_id, cpu_flags=" ".join(b.cflags), opt=opt)
    for template, target in (("main.c.j2", "main.c"), ("board_config.h.j2", "board_config.h"),
                             ("firmware.ld.j2", "link.ld"), ("Makefile.j2", "Makefile"),
                             ("CMakeLists.txt.j2", "CMakeLists.txt")):
        (out / target).write_text(env.get_template(template).render(**ctx))
    if b.emulator.renode_platform:  # Renode script and Robot test, used when `renode` is installed
        for template, target in (("renode.resc.j2", f"{b.name}.resc"), ("renode.robot.j2", f"{b.name}.robot")):
            (out / target).write_text(env.get_template(template).render(
                board=b, elf="$ORIGIN/build/firmware.elf", port=RENODE_PORT))
    cm.build_id = build_id  # type: ignore[attr-defined]
    cm.profile_name = pname  # type: ignore[attr-defined]
    return cm


def _main_context(cm, board_name: str, name: str, frontend: str | None, mlperf: str | None, pname: str,
                  lap: tuple[int, int, str]) -> dict:
    """What templates/main.c.j2 needs besides the board."""
    db_bytes, tensors = _io_layout(cm, frontend, mlperf)
    return dict(version=__version__, name=name, source=Path(cm.graph.source).name, sha256=cm.model_sha256,
                tensors=tensors, n_in=len(cm.inputs), n_out=len(cm.outputs), db_bytes=db_bytes,
                arena_bytes=cm.arena_bytes, frontend=frontend, pcm_bytes=FRONTENDS.get(frontend or "", 0),
                mlperf=mlperf, mlperf_code=MLPERF[mlperf].code if mlperf else "TSLM_MLPERF_NONE",
                mlperf_bytes=MLPERF[mlperf].load_bytes if mlperf else 0, profile_name=pname,
                lap_num=lap[0], lap_den=lap[1], lap_note=lap[2])


HOST_BOARD_C = r"""/* board.c - generated by tinyslm: the firmware's app on this machine (stdin/stdout, a ns clock). */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "board.h"

void board_init(void) {}
void board_putc(char c) { (void)putchar(c); }
int board_getc(void)
{
    (void)fflush(stdout); /* the reply is complete: the next byte is awaited */
    const int c = getchar();
    if (c == EOF) {
        exit(0);
    }
    return c;
}
uint64_t board_ticks(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
void board_ticks_sync(void) {}
"""


def build_host_app(model, out_dir: Path, name: str = "model", mlperf: str | None = None, label: str | None = None,
                   frontend: str | None = None, sanitize: bool = False, cc: str = "gcc") -> Path:
    """The firmware's main.c and app (firmware/app) with the model, built for this machine: the protocol on
    stdin/stdout, time stamps from a nanosecond clock. Returns the executable."""
    from .compiler import compile_model
    from .toolchain import SANITIZE_FLAGS, WARN_FLAGS, find_cc

    out = Path(out_dir)
    for sub in ("model", "app", "frontend"):
        shutil.rmtree(out / sub, ignore_errors=True)
    cm = compile_model(model, out / "model", name=name, target="portable")
    if mlperf is not None:
        check_mlperf(cm, mlperf)
    shutil.copytree(firmware_dir() / "app", out / "app", ignore=shutil.ignore_patterns("*.md"))
    srcs = [out / "main.c", out / "board.c", *sorted((out / "app").glob("*.c")), *map(Path, cm.sources)]
    if frontend is not None:
        (out / "frontend").mkdir(parents=True)
        for f in ("tslm_frontend", "tslm_rfft", f"tslm_frontend_{frontend}"):
            for ext in (".c", ".h"):
                shutil.copyfile(firmware_dir() / "frontend" / (f + ext), out / "frontend" / (f + ext))
        srcs += sorted((out / "frontend").glob("*.c"))
    shutil.copyfile(boards_dir() / "common" / "board.h", out / "board.h")
    (out / "board_config.h").write_text('#define TSLM_BOARD_NAME "host"\n#define TSLM_TICK_HZ 1000000000u\n')
    (out / "board.c").write_text(HOST_BOARD_C)
    ctx = _main_context(cm, "host", name, frontend, mlperf, profile_name(model, name, mlperf, label),
                        (1, 1000, "this machine's monotonic clock"))
    ctx.update(board=dict(name="host"), build_id="host")
    (out / "main.c").write_text(template_env().get_template("main.c.j2").render(**ctx))
    exe = out / ("firmware_app_san" if sanitize else "firmware_app")
    cmd = [find_cc(cc), *WARN_FLAGS, "-O2", *(SANITIZE_FLAGS if sanitize else []), "-I", str(out), "-I",
           str(out / "app"), "-I", str(out / "model"), "-I", str(out / "frontend"), *map(str, srcs), "-lm", "-o",
           str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise ToolchainError(f"the firmware app did not compile for the host:\n{r.stderr.strip()[:4000]}",
                             where=str(out))
    return exe


def build(model, board: Board | str, out_dir: Path, name: str = "model", optimize: str = "speed",
          jobs: int = 2, frontend: str | None = None, mlperf: str | None = None,
          label: str | None = None, frontend_config=None) -> Firmware:
    """Render, build with arm-none-eabi-gcc (make), and measure. optimize: "speed" (-O2) or "size" (-Os)."""
    b = get_board(board) if isinstance(board, str) else board
    for tool in ("arm-none-eabi-gcc", "make"):
        find_tool(tool, "cannot build firmware")
    out = Path(out_dir)
    cm = render(model, b, out, name, optimize, frontend, mlperf, label, frontend_config)
    opt = opt_flag(optimize)
    shutil.rmtree(out / "build", ignore_errors=True)
    r = subprocess.run(["make", "-C", str(out), f"-j{jobs}", "--no-print-directory"], capture_output=True, text=True)
    if r.returncode != 0:
        text = r.stderr.strip()
        if "RAM overflow" in text or "will not fit in region" in text or "overflowed by" in text:
            short = FlashFitError if re.search(r"region .FLASH. overflowed", text) else FitError
            raise short(f"firmware does not fit {b.name}: {text.splitlines()[-1][:300]}",
                        where=str(out), hint="choose a smaller model or a board with more memory"
                        + (" (or --optimize size)" if short is FlashFitError and opt != OPTIMIZE["size"] else ""))
        raise ToolchainError(f"firmware build failed:\n{text[-3000:]}", where=str(out))
    elf = out / "build" / "firmware.elf"
    s = section_sizes(elf)
    flash = s.get(".text", 0) + s.get(".ARM.exidx", 0) + s.get(".data", 0)
    db_bytes, tensors = _io_layout(cm, frontend, mlperf)
    report = SizeReport(b.name, flash, cm.weights_bytes, flash - cm.weights_bytes, b.memory.flash_bytes,
                        s.get(".data", 0) + s.get(".bss", 0) + b.stack_bytes, cm.arena_bytes,
                        _io_ram(_db_bytes(db_bytes, frontend, mlperf), tensors), b.stack_bytes,
                        b.memory.ram_bytes)
    fw = Firmware(out, b, name, cm.model_sha256, cm.build_id, elf, out / "build" / "firmware.bin",  # type: ignore
                  out / "build" / "firmware.hex", report,
                  [t for t in tensors if t["kind"] == "input"], [t for t in tensors if t["kind"] == "output"],
                  cm.profile_name, mlperf, optimize)  # type: ignore[attr-defined]
    (out / "firmware.json").write_text(json.dumps(fw.metadata(), indent=2) + "\n")
    return fw


def build_fitting(model, board: Board | str, out_dir: Path, **kw) -> tuple[Firmware, str]:
    """The speed build, or the size build when only that one fits the board's flash; (firmware, why it is
    the size build, or "")."""
    try:
        return build(model, board, out_dir, **kw), ""
    except FitError as e:
        if not e.flash:
            raise
        return build(model, board, out_dir, optimize="size", **kw), f"the speed build does not fit: {e.what}"


def load_metadata(path: Path) -> dict:
    """firmware.json of a built firmware folder (or the folder of an ELF)."""
    p = Path(path)
    meta = p / "firmware.json" if p.is_dir() else p.parent.parent / "firmware.json"
    if not meta.exists():
        raise TinyslmError(f"no firmware.json found for {path}",
                           hint="pass a folder made by `tinyslm firmware` (or its build/firmware.elf)")
    return json.loads(meta.read_text())
