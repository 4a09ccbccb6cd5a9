"""Measure the generated code's flash footprint with the Cortex-M cross compiler."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..compiler import CompiledModel
from ..toolchain import find_tool, have, section_sizes


@dataclass
class CodeSize:
    cpu: str
    kernels_text: int  # .text of the tslm_* kernel files
    model_text: int  # .text of NAME.c (the straight-line invoke)
    rodata: int  # weights, tables and parameters (.rodata)

    @property
    def flash(self) -> int:
        return self.kernels_text + self.model_text + self.rodata


def measure(cm: CompiledModel, cpu: str = "cortex-m4", opt: str = "-O2", flags: tuple[str, ...] = ()) -> CodeSize | None:
    """Sizes for `cpu` (flags: the board's others, e.g. -mfloat-abi=hard, which Helium kernels need),
    or None if arm-none-eabi-gcc is not installed."""
    return measure_folder(cm.out_dir, cm.name, cpu, opt, flags)


def measure_folder(out_dir: Path, name: str, cpu: str = "cortex-m4", opt: str = "-O2",
                   flags: tuple[str, ...] = ()) -> CodeSize | None:
    """The same for a folder `tinyslm compile` wrote (every .c in it is the model's)."""
    if not (have("arm-none-eabi-gcc") and have("arm-none-eabi-size")):
        return None
    gcc = find_tool("arm-none-eabi-gcc")
    kernels = model = rodata = 0
    cflags = [f"-mcpu={cpu}", "-mthumb", *flags]
    with tempfile.TemporaryDirectory() as tmp:
        objs, removed = _compile_and_link(gcc, Path(out_dir), name, cflags, opt, Path(tmp))
        for obj in objs:
            s: dict[str, int] = {}
            for section, n in section_sizes(obj).items():
                if (obj.name, section) not in removed:
                    key = section.split(".")[1]
                    s[key] = s.get(key, 0) + n
            if obj.stem == name:
                model += s.get("text", 0)
            else:
                kernels += s.get("text", 0)
            rodata += s.get("rodata", 0)
    return CodeSize(cpu, kernels, model, rodata)


def kept_sections(out_dir: Path, name: str, cpu: str = "cortex-m4", opt: str = "-O2",
                  flags: tuple[str, ...] = ()) -> dict[str, set[str]] | None:
    """Per object of a `tinyslm compile` folder (``tslm_dsp_depthwise_conv.o``...), the sections that the link
    from NAME_invoke with --gc-sections keeps (with -ffunction-sections: ``.text.<function>``), or None without
    arm-none-eabi-gcc. Says which kernel routines a model links, not only how many bytes."""
    if not (have("arm-none-eabi-gcc") and have("arm-none-eabi-size")):
        return None
    gcc = find_tool("arm-none-eabi-gcc")
    with tempfile.TemporaryDirectory() as tmp:
        objs, removed = _compile_and_link(gcc, Path(out_dir), name, [f"-mcpu={cpu}", "-mthumb", *flags], opt,
                                          Path(tmp))
        return {obj.name: {sec for sec in section_sizes(obj) if (obj.name, sec) not in removed} for obj in objs}


def _compile_and_link(gcc: str, out_dir: Path, name: str, cflags: list[str], opt: str,
                      tmp: Path) -> tuple[list[Path], set[tuple[str, str]]]:
    """Every .c of the folder compiled into `tmp`, then linked from NAME_invoke with --gc-sections, as the firmware
    is: a kernel file's functions the model never calls (e.g. the portable kernel beside a target's drop-in) cost
    no flash. The objects and the (object, section) pairs the link removed."""
    objs = []
    for src in sorted(out_dir.glob("*.c")):
        obj = tmp / (src.stem + ".o")
        subprocess.run([gcc, *cflags, *opt.split(), "-std=c99", "-ffunction-sections", "-fdata-sections",
                        "-I", str(out_dir), "-c", str(src), "-o", str(obj)], check=True, capture_output=True)
        objs.append(obj)
    r = subprocess.run([gcc, *cflags, "-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections",
                        "-Wl,--print-gc-sections", f"-Wl,-e,{name}_invoke", *map(str, objs), "-lc", "-lgcc",
                        "-o", str(tmp / "model.elf")], capture_output=True, text=True)
    removed: set[tuple[str, str]] = set()
    for line in r.stderr.splitlines():
        m = re.search(r"removing unused section '([^']+)' in file '([^']+)'", line)
        if m:
            removed.add((Path(m.group(2)).name, m.group(1)))
    return objs, removed
