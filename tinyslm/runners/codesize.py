"""Measure the generated code's flash footprint with the Cortex-M cross compiler."""

from __future__ import annotations

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


def _sizes(obj: Path) -> dict[str, int]:
    """`size -A` grouped by the section's first name part (.text.fn -> text, with -ffunction-sections)."""
    sizes: dict[str, int] = {}
    for section, n in section_sizes(obj).items():
        key = section.split(".")[1]
        sizes[key] = sizes.get(key, 0) + n
    return sizes


def measure(cm: CompiledModel, cpu: str = "cortex-m4", opt: str = "-O2", flags: tuple[str, ...] = ()) -> CodeSize | None:
    """Sizes for `cpu` (flags: the board's others, e.g. -mfloat-abi=hard, which Helium kernels need),
    or None if arm-none-eabi-gcc is not installed."""
    if not (have("arm-none-eabi-gcc") and have("arm-none-eabi-size")):
        return None
    gcc = find_tool("arm-none-eabi-gcc")
    kernels = model = rodata = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in cm.sources:
            obj = Path(tmp) / (src.stem + ".o")
            subprocess.run([gcc, f"-mcpu={cpu}", "-mthumb", *flags, opt, "-std=c99", "-ffunction-sections",
                            "-fdata-sections", "-I", str(cm.out_dir), "-c", str(src), "-o", str(obj)],
                           check=True, capture_output=True)
            s = _sizes(obj)
            if src.stem == cm.name:
                model += s.get("text", 0)
            else:
                kernels += s.get("text", 0)
            rodata += s.get("rodata", 0)
    return CodeSize(cpu, kernels, model, rodata)
