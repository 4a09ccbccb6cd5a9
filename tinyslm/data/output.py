"""What both synthesizers share: the output folder's rules, the recipe table, the summary they return."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError


@dataclass
class SynthReport:
    out_dir: Path
    counts: dict[str, list[int]]  # split -> clips per class (KWS: CLASSES order; anomaly: [normal, anomalous])
    seconds: float
    reused: bool  # the folder already held this exact dataset (nothing was written)

    @property
    def total(self) -> int:
        return sum(sum(c) for c in self.counts.values())


def prepare_output_dir(out_dir: Path, stamp: dict, overwrite: bool) -> bool:
    """True if out_dir already holds the dataset `stamp` describes (its dataset.json agrees on every
    key of stamp); otherwise makes sure it is empty (or overwrite is set) and creates it."""
    info = out_dir / "dataset.json"
    if info.exists():
        try:
            old = json.loads(info.read_text())
        except ValueError:
            old = {}
        if {k: old.get(k) for k in stamp} == stamp:
            return True
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError("output path exists and is not a folder", where=str(out_dir))
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise DataError("output folder is not empty", where=str(out_dir),
                        hint="choose a new folder (or pass overwrite=True / --force to write into it)")
    out_dir.mkdir(parents=True, exist_ok=True)
    return False


def write_csv(path: Path, rows: list[dict]) -> None:
    """Rows (dicts with the same keys) as CSV with a header, '\\n' line ends."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue())
