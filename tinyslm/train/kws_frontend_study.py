"""Do 13 cepstra a frame instead of the MLPerf frontend's 10 help the student? Validation only.

The frontend's coefficient count is one of `tinyslm tune`'s axes (8, 10, 13) but was never compared at the default
profile with its teacher. More cepstra keep more of the spectral envelope's detail: the formant shapes that tell
words apart, and also the voice. This study trains, per (dataset, training seed) pair exactly as
:func:`~tinyslm.train.api.train_kws` seeds them, the build's teacher and its distilled student (the same shape,
its stem taking 13 coefficients instead of 10) on the same clips' features with 13 cepstra, and scores the student
on the validation split; the loop is :func:`~tinyslm.train.kws_student_study.run_study` (candidate ``mfcc13``), and
the test arrays of the features files are never read.

Rule (written 2026-12-07 before any of its runs; ``--decide``)::

    Four pairs: the validation splits of the seed-1 and seed-2 datasets (runs/d1, runs/d2: the student study's
    clips), training seeds 1 and 3 on the seed-1 set, 2 and 4 on the seed-2 set. The baseline is the build's
    distilled student on the 10-cepstra features of the same clips, the rows "today" of kws_fit_study's runs
    (fit-d1.json, fit-d2.json: the same code and seeds, which reproduced kws_student_study's d56m56 figures
    exactly). Adopt 13 cepstra as the KWS default frontend if (1) the mean distilled validation accuracy is >=
    today's + 0.5 points, (2) on no pair is it more than 1.0 point below today's, (3) the int8 weights are <=
    49,152 B (48 KB) and (4) all four pairs were measured (kws_student_study.decide). Otherwise keep 10.

Commands (two processes side by side, one TF thread each)::

    tinyslm data features runs/d1 -o runs/d1-m13.npz --mfcc 13   # and d2
    TINYSLM_TF_THREADS=1 python -m tinyslm.train.kws_frontend_study runs/d1-m13.npz --seeds 1,3 --out fe-d1.json
    TINYSLM_TF_THREADS=1 python -m tinyslm.train.kws_frontend_study runs/d2-m13.npz --seeds 2,4 --out fe-d2.json
    python -m tinyslm.train.kws_frontend_study --decide fit-d1.json fit-d2.json fe-d1.json fe-d2.json

Results are written after every model, so an interrupted run keeps what it measured.

Figures (run 2026-12-07 with the commands above, two processes side by side; 720 validation clips per set, one
clip = 0.14 points). With 13 cepstra the teachers reach 95.69 (set 1, seed 1) and 97.50 (set 2, seed 2), against
97.36 and 97.36 with 10; the distilled student (47,436 parameters, 49,080 B of int8 weights), validation accuracy %::

    pair (set, seed)   d1, 1    d2, 2    d1, 3    d2, 4
    today (10)         95.69    96.67    95.42    96.39
    mfcc13             95.28    94.58    -        -       (-0.42 / -2.08)

Decision (``--decide fit-d1.json fit-d2.json fe-d1.json fe-d2.json``): the seed-2 pair is 2.08 points below today's,
so condition (2) fails whatever the other two pairs give, and the runs were stopped there: NOT ADOPTED, the frontend
keeps 10 cepstra.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

from .api import KWSTrainConfig
from .kws_student_study import BASELINE, decide, run_study
from .kws_teacher_study import StudyResult, exit_code, load_train_val, saver

CANDIDATE = "mfcc13"
CEPSTRA = 13


def baseline_and_candidate(rows: Sequence[dict]) -> list[dict]:
    """The distilled rows the rule compares: today's (10 cepstra) and the candidate's.

    >>> rows = [{"kind": "distilled", "student": s, "seed": 1, "val": 0.9} for s in ("today", "ema", "mfcc13")]
    >>> [r["student"] for r in baseline_and_candidate(rows)]
    ['today', 'mfcc13']
    """
    return [r for r in rows if r["kind"] == "distilled" and r["student"] in (BASELINE, CANDIDATE)]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinyslm.train.kws_frontend_study", description=__doc__.split("\n")[0])
    p.add_argument("features", type=Path, nargs="?", help=f"a dataset's features .npz with {CEPSTRA} cepstra a frame")
    p.add_argument("--seeds", default="1")
    p.add_argument("--out", type=Path, default=Path("kws-frontend-study.json"))
    p.add_argument("--decide", type=Path, nargs="*", default=None,
                   help="only apply the rule to these result files (the baseline's and the candidate's)")
    a = p.parse_args(argv)
    if a.decide is not None:
        rows = baseline_and_candidate([r for f in a.decide for r in json.loads(f.read_text())["rows"]])
        print(json.dumps(decide(rows), indent=1))
        return 0
    if a.features is None or not a.features.is_file():
        print(f"error: no features file at {a.features} (make one with `tinyslm data features --mfcc {CEPSTRA}`)")
        return 2
    arrays = load_train_val(a.features)
    if arrays[0].shape[2] != CEPSTRA:
        print(f"error: {a.features} has {arrays[0].shape[2]} coefficients a frame, not {CEPSTRA} "
              f"(make it with `tinyslm data features DATA --mfcc {CEPSTRA}`)")
        return 2

    return exit_code(lambda: run_study(*arrays, [CANDIDATE], [int(s) for s in a.seeds.split(",")], KWSTrainConfig(),
                                       StudyResult(str(a.features), {}, key="student"), saver(a.out),
                                       shapes={CANDIDATE: {}}))


if __name__ == "__main__":
    raise SystemExit(main())
