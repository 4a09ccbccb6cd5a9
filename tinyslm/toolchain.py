"""The external tools tinyslm drives (C compilers, binutils, QEMU, make), found in one place, and
the one parser of `size -A` output.

>>> parse_size_a("x.elf  :\\nsection  size  addr\\n.text  1200  0\\n.data  16  536870912\\nTotal  1216\\n")
{'.text': 1200, '.data': 16}
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .errors import ToolchainError

# tool -> the Debian/Ubuntu packages that provide it (.ci/setup installs them)
PACKAGES = {
    "gcc": "gcc",
    "make": "make",
    "arm-none-eabi-gcc": "gcc-arm-none-eabi libnewlib-arm-none-eabi",
    "arm-none-eabi-size": "binutils-arm-none-eabi",
    "arm-none-eabi-objdump": "binutils-arm-none-eabi",
    "arm-none-eabi-objcopy": "binutils-arm-none-eabi",
    "qemu-system-arm": "qemu-system-arm",
}

# flags every generated C file must compile cleanly with, and the sanitizers of the host checks
WARN_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"]


def find_tool(name: str, why: str = "") -> str:
    """The path of `name`, or a ToolchainError saying which package provides it."""
    path = shutil.which(name)
    if path is None:
        pkg = PACKAGES.get(name, name)
        raise ToolchainError(f"'{name}' not found" + (f": {why}" if why else ""),
                             hint=f"install it (Debian/Ubuntu: apt-get install {pkg})")
    return path


def have(name: str) -> bool:
    return shutil.which(name) is not None


def find_cc(cc: str = "gcc") -> str:
    return find_tool(cc, "needed to build C for the host")


def parse_size_a(text: str) -> dict[str, int]:
    """Section name -> bytes, from `size -A` output (sections only, no total)."""
    sizes: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = sizes.get(parts[0], 0) + int(parts[1])
    return sizes


def section_sizes(obj_or_elf: Path, size_tool: str = "arm-none-eabi-size") -> dict[str, int]:
    """`size -A` of an object or ELF file: section name -> bytes."""
    out = subprocess.run([find_tool(size_tool), "-A", str(obj_or_elf)], capture_output=True, text=True,
                         check=True).stdout
    return parse_size_a(out)
