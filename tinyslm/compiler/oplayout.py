"""Where each operator lives, for a newcomer: the README's table "op family -> lowering module ->
kernel file per target -> test cases", generated from the op registry and the source tree.

``python -m tinyslm.compiler.oplayout`` prints the Markdown that README.md holds between the
``<!-- oplayout: begin -->`` and ``<!-- oplayout: end -->`` markers (``--write README.md`` puts it
there); tests/test_oplayout.py fails when they differ. Kernel files come from the kernel names each
op module mentions (``"tslm_<family>"``, ``target_kernel(call, "<family>")``) and what exists under
firmware/kernels/; test cases are the op-zoo cases (tests/opzoo*.py) whose converted model must
contain the op, found by importing those modules from a source checkout.

>>> kernel_families('call = Call(op, f, "tslm_binary", []); lw.target_kernel(call, "binary")')
(['tslm_binary'], ['binary'])
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
from collections import defaultdict
from pathlib import Path

from ..resources import firmware_dir
from .ops import registry
from .targets import TARGETS

BEGIN, END = "<!-- oplayout: begin -->", "<!-- oplayout: end -->"


def kernel_families(source: str) -> tuple[list[str], list[str]]:
    """The portable kernel files ("tslm_<family>") and target drop-in families a module's source names."""
    portable = set(re.findall(r'"(tslm_[a-z0-9_]+)"', source))
    if "lw.lut(" in source:  # the shared 256-entry table kernel (Lowering.lut)
        portable.add("tslm_lut")
    dropin = sorted(set(re.findall(r'target_kernel\(\w+, "([a-z0-9_]+)"\)', source)))
    return sorted(portable), dropin


def zoo_cases(tests: Path) -> dict[str, list[str]]:
    """opcode -> names of the op-zoo cases that must contain it."""
    out: dict[str, list[str]] = defaultdict(list)
    if not tests.is_dir():
        return out
    sys.path.insert(0, str(tests))
    try:
        for f in sorted(tests.glob("opzoo*.py")):
            mod = importlib.import_module(f.stem)
            for name, case in getattr(mod, "CASES", {}).items():
                for op in case.expect_ops:
                    out[op].append(name)
    finally:
        sys.path.remove(str(tests))
    return out


def table(tests: Path | None = None) -> str:
    kdir = firmware_dir() / "kernels"
    tests = tests or Path(__file__).resolve().parents[2] / "tests"
    cases = zoo_cases(tests)
    by_module: dict[str, list[str]] = defaultdict(list)
    for opcode, fn in sorted(registry().items()):
        by_module[fn.__module__].append(opcode)
    optimized = [t for t in TARGETS.values() if t.folder]
    head = ["operators", "lowering", "portable kernels"] + [t.label for t in optimized] + ["op-zoo cases"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for module, opcodes in sorted(by_module.items()):
        src = inspect.getsource(importlib.import_module(module))
        portable, dropin = kernel_families(src)
        files = [f"`{p}.c`" for p in portable if (kdir / f"{p}.c").exists()]
        cols = []
        for t in optimized:
            found = [t.kernel(fam, "x").file for fam in dropin]
            cols.append(", ".join(f"`{f}`" for f in sorted(set(found)) if (kdir / f).exists()) or "-")
        n = sorted({c for op in opcodes for c in cases.get(op, [])})
        zoo = f"{len(n)}: " + ", ".join(n[:3]) + (", ..." if len(n) > 3 else "") if n else "-"
        rel = module.replace("tinyslm.compiler.ops.", "ops/") + ".py"
        lines.append(f"| {', '.join(opcodes)} | `{rel}` | {', '.join(files) or '(no code)'} | "
                     + " | ".join(cols) + f" | {zoo} |")
    return "\n".join(lines) + "\n"


def splice(readme: str, body: str) -> str:
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"README has no {BEGIN} ... {END} section")
    head, rest = readme.split(BEGIN, 1)
    return head + BEGIN + "\n" + body + END + rest.split(END, 1)[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", type=Path, help="README.md to update between the markers")
    args = ap.parse_args(argv)
    body = table()
    if args.write:
        args.write.write_text(splice(args.write.read_text(), body))
    else:
        sys.stdout.write(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
