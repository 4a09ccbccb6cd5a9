"""The README's operator table is the one the op registry generates."""

from __future__ import annotations

from pathlib import Path

from tinyslm.compiler import optable
from tinyslm.compiler.ops import registry

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_table_is_generated_from_the_registry():
    held = optable.readme_table(README.read_text())
    assert held is not None, f"README.md lacks the {optable.BEGIN} / {optable.END} markers"
    assert held == optable.table(), "README's operator table is stale: python -m tinyslm.compiler.optable --write README.md"


def test_every_registered_opcode_declares_its_types_and_only_those():
    """Each op module's SUPPORT names exactly the opcodes that module registers."""
    import importlib

    registered = registry()
    support = optable.support()
    assert set(registered) - set(support) == set(), "registered without a SUPPORT entry in its op module"
    for module in {fn.__module__ for fn in registered.values()}:
        declared = set(getattr(importlib.import_module(module), "SUPPORT", {}))
        own = {op for op, fn in registered.items() if fn.__module__ == module}
        assert declared == own, (module, declared ^ own)
    for opcode, spec in support.items():
        cols, other, _ = optable.parse(spec)
        assert cols | set(other), f"{opcode} declares no type"
        assert cols <= set(optable.COLUMNS), (opcode, cols)


def test_the_table_lists_every_tflm_builtin_once():
    rows = [line.split("|")[1].strip() for line in optable.table().splitlines() if line.startswith("| ")]
    names = [r for r in rows if r not in ("builtin", "signal op", "---")]  # less the two headers
    assert len(names) == len(set(names))
    assert set(optable.TFLM_BUILTINS) <= set(names)
    assert set(optable.SIGNAL_OPS) <= set(names)  # TFLM's signal library, in its own table
    loops = [line for line in optable.table().splitlines() if line.startswith("| WHILE |")]
    assert loops and "unrolled" in loops[0]  # compiled, though no handler lowers it (control_flow.py inlines it)
    assert not any(line.startswith("| TSLM_") for line in optable.table().splitlines())  # internal opcodes
    resolved = [line for line in optable.table().splitlines() if line.startswith("| VAR_HANDLE |")]
    assert resolved and "resource" in resolved[0]  # compiled, though no handler lowers it (the reader does)
