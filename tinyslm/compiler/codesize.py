"""Measure the generated code's flash footprint with the Cortex-M cross compiler."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import CompiledModel


@dataclass
class CodeSize:
    cpu: str
    kernels_text: int  # .text of the tslm_* kernel files
    model_text: int  # .text of NAME.c (the straight-line invoke)
    rodata: int  # weights, tables and parameters (.rodata)

    @property
    def flash(self) -> int:
        return self.kernels_text + self.model_text + self.rodata


def _sizes(obj: Path, size_tool: str) -> dict[str, int]:
    out = subprocess.run([size_tool, "-A", str(obj)], capture_output=True, text=True, check=True).stdout
    sizes: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            key = parts[0].split(".")[1] if parts[0].count(".") >= 1 else parts[0]
            sizes[key] = sizes.get(key, 0) + int(parts[1])
    return sizes


def measure(cm: CompiledModel, cpu: str = "cortex-m4", opt: str = "-O2") -> CodeSize | None:
    """Sizes for `cpu`, or None if arm-none-eabi-gcc is not installed."""
    gcc, size_tool = shutil.which("arm-none-eabi-gcc"), shutil.which("arm-none-eabi-size")
    if gcc is None or size_tool is None:
        return None
    kernels = model = rodata = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in cm.sources:
            obj = Path(tmp) / (src.stem + ".o")
            subprocess.run([gcc, f"-mcpu={cpu}", "-mthumb", opt, "-std=c99", "-ffunction-sections",
                            "-fdata-sections", "-I", str(cm.out_dir), "-c", str(src), "-o", str(obj)],
                           check=True, capture_output=True)
            s = _sizes(obj, size_tool)
            if src.stem == cm.name:
                model += s.get("text", 0)
            else:
                kernels += s.get("text", 0)
            rodata += s.get("rodata", 0)
    return CodeSize(cpu, kernels, model, rodata)
