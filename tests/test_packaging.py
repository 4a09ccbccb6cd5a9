"""`pip install .` (non-editable) must carry templates/, firmware/ and boards/."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_templates_firmware_and_boards(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                        str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    if r.returncode != 0 and "No module named 'hatchling'" in r.stderr:  # build backend not in this venv
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    wheel = next(tmp_path.glob("tinyslm-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for src in ("templates", "firmware", "boards"):
        files = [p for p in (ROOT / src).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert files, f"{src}/ is empty"
        for p in files:
            assert f"tinyslm/_data/{p.relative_to(ROOT).as_posix()}" in names, f"{p} missing from the wheel"
    assert "tinyslm/compiler/lowering.py" in names
