"""The README's quality table: several builds of one task (one per seed), each figure as mean ± spread.

``python -m tinyslm.report.seeds runs/ad-s0 runs/ad-s1 runs/ad-s2`` reads each folder's ``report.json`` (what the
build measured; nothing is measured here) and prints a Markdown table: per stage, the mean over the builds, the
sample standard deviation and the range, with each build's figure after it. Builds of different tasks, or a
folder without a report, are refused.

Two rows give the paired distillation gain (distilled - alone: the float students of one build, same initial
weights and batches): on the build's test split (``quality``), and on its fresh test set (``fresh.distill_fresh``,
the same two students measured at the end of the build; builds before it kept them show "-").

>>> spread([0.9, 0.92, 0.94])
'0.9200 ± 0.0200 (0.9000-0.9400)'
>>> spread([0.5])
'0.5000 (one build)'
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import TinyslmError
from .summary import STAGES

# figures of report["quality"] shown after the stages: held-out sets read once at the end of a build
HELD_OUT = (("test_fresh", "int8, fresh test set (another seed)"),
            ("test_other_engine", "int8, held-out speech engine"),
            ("test_other_machines", "int8, other machines (another seed's)"))


@dataclass
class Build:
    folder: Path
    task: str
    seed: int
    quality: dict
    instructions: int | None
    fresh: dict | None = None  # report["fresh"]: the held-out sets' step


def load(folder: Path) -> Build:
    path = Path(folder) / "report.json"
    if not path.is_file():
        raise TinyslmError(f"no report.json in {folder}", hint="give the --out folders of finished `tinyslm build`s")
    r = json.loads(path.read_text())
    return Build(Path(folder), r["task"], int(r["seed"]), r["quality"], r["device"].get("instructions_per_inference"),
                 r.get("fresh"))


def gains(b: Build) -> dict[str, float | None]:
    """distilled - alone of one build: on its test split and on its fresh test set (None where not measured).

    >>> g = gains(Build(Path("."), "kws", 0, {"student_alone_float": 0.9, "student_distilled_float": 0.925}, None,
    ...                 {"distill_fresh": {"alone": 0.8, "distilled": 0.81, "gain": 0.01}}))
    >>> round(g["gain_test"], 4), g["gain_fresh"]
    (0.025, 0.01)
    """
    q, f = b.quality, (b.fresh or {}).get("distill_fresh") or {}
    test = (q["student_distilled_float"] - q["student_alone_float"]
            if q.get("student_distilled_float") is not None and q.get("student_alone_float") is not None else None)
    return {"gain_test": test, "gain_fresh": f.get("gain")}


# rows of gains(): the paired distillation gain, signed
GAINS = (("gain_test", "distilled - alone (float, test split)"),
         ("gain_fresh", "distilled - alone (float, fresh test set)"))


def spread(values: list[float]) -> str:
    """mean ± sample standard deviation (min-max), four decimals."""
    if len(values) == 1:
        return f"{values[0]:.4f} (one build)"
    return (f"{statistics.fmean(values):.4f} ± {statistics.stdev(values):.4f} "
            f"({min(values):.4f}-{max(values):.4f})")


def table(builds: list[Build]) -> str:
    tasks = {b.task for b in builds}
    if len(tasks) != 1:
        raise TinyslmError(f"builds of different tasks ({', '.join(sorted(tasks))})", hint="give one task's builds")
    seeds = [b.seed for b in builds]
    if len(set(seeds)) != len(seeds):
        raise TinyslmError(f"two builds with the same seed ({seeds})", hint="give one build per seed")
    metric = builds[0].quality.get("metric", "")
    head = f"| {metric} | mean ± std (min-max) over {len(builds)} seeds | " + " | ".join(
        f"seed {s}" for s in seeds) + " |"
    lines = [head, "|---|---|" + "---|" * len(builds)]
    g = [gains(b) for b in builds]
    rows = [(label, [b.quality.get(key) for b in builds], "{:.4f}") for key, label in STAGES + HELD_OUT]
    rows += [(label, [x[key] for x in g], "{:+.4f}") for key, label in GAINS]
    for label, vals, fmt in rows:
        if all(v is None for v in vals):
            continue
        got = [float(v) for v in vals if v is not None]
        cells = " | ".join("-" if v is None else fmt.format(float(v)) for v in vals)
        note = "" if len(got) == len(vals) else f" ({len(got)} of {len(vals)})"
        lines.append(f"| {label} | {spread(got)}{note} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tinyslm.report.seeds", description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path, help="`tinyslm build --out` folders, one per seed")
    args = ap.parse_args(argv)
    try:
        sys.stdout.write(table([load(f) for f in args.folders]))
    except TinyslmError as e:
        print(e.render(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
