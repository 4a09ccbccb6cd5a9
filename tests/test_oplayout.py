"""The README's "where each operator lives" table is the one the registry and the source tree give."""

from __future__ import annotations

from pathlib import Path

from tinyslm.compiler import oplayout
from tinyslm.compiler.ops import registry

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_table_is_current():
    text = README.read_text()
    assert oplayout.splice(text, oplayout.table()) == text, "run: python -m tinyslm.compiler.oplayout --write README.md"


def test_every_registered_op_has_a_row_and_a_kernel_or_an_alias():
    body = oplayout.table()
    for opcode in registry():
        assert f"{opcode}," in body or f"{opcode} |" in body, opcode
    for line in body.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        # only aliases and the variables' copies (memcpy into and out of the state area) have no kernel file
        assert cells[2] != "(no code)" or cells[1] in ("`ops/reshape.py`", "`ops/resource_variables.py`"), line
