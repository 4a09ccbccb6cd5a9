"""Does a temperature / alpha schedule make KWS distillation pay more? A paired study on the validation split only.

Issue 17 asks for distilled - alone >= +1 point. Today the build distils with a constant
``DistillConfig(alpha=0.5, temperature=2.0)``. This study trains, per training seed and exactly as
:func:`~tinyslm.train.api.train_kws` seeds them (teacher ``seed``, student init ``seed + 1``, data order
``seed + 2``), the build's teacher once, the build's student alone once, and the student distilled from that
teacher with each candidate :class:`~tinyslm.train.distill.DistillConfig` (see :data:`CONFIGS`), and measures
float accuracy on the **validation** split. The test split of the features file is never loaded (only
``x_train``, ``y_train``, ``x_val``, ``y_val`` are read, as in :mod:`tinyslm.train.kws_teacher_study`).

Adoption rule (written before any run)::

    Let gain(c, s) = val(distilled with c, seed s) - val(alone, seed s), in points, seeds 0, 1, 2 (features of
    the seed-0 default build). Among the schedules, take the one with the highest mean gain. Adopt it as
    KWSTrainConfig's default if (1) its mean gain beats today's config's (`today`) mean gain by >= +0.3
    points and (2) on no seed is its gain more than 1.0 point below today's gain on that seed. Otherwise keep
    today's config and record the figures here.

Candidates (:data:`CONFIGS`)::

    today    alpha 0.5,      T 2        (the build's default)
    t4to1    alpha 0.5,      T 4 -> 1   (annealed linearly over the fit's steps)
    t8to2    alpha 0.5,      T 8 -> 2
    a9to1    alpha 0.9->0.1, T 2        (mostly the teacher early, mostly the labels late)

Command (the features of a default build, seed 0; one process per seed, one TF thread each: the thread count
changes the float results, so pairs are compared within one process)::

    F=/work/runs/kd-s0/features/features.npz
    TINYSLM_TF_THREADS=1 nice -n 5 python -m tinyslm.train.kws_distill_study $F --seeds 0 --out kd-study-s0.json
    (the same with --seeds 1 and --seeds 2)

Results are written after every model, so an interrupted run keeps what it measured.

Figures (run 2026-12-05, the commands above, F from ``tinyslm build kws --board mps2-an386 --seed 0 --out
/work/runs/kd-s0``; 720 validation clips, one clip = 0.14 points). Teacher (DS-CNN c=128, 30 epochs) validation
0.9583 / 0.9556 / 0.9569, student alone 0.9194 / 0.9264 / 0.8944 on seeds 0 / 1 / 2. Paired gain, distilled -
alone, validation points::

    config   seed 0   seed 1   seed 2    mean
    today     +1.25    -0.14    +1.53    +0.88
    t4to1     +0.56    -0.97    +2.08    +0.56
    t8to2     +0.69    -0.28    +1.81    +0.74
    a9to1     +1.39    -0.56    +1.25    +0.69

Decision (``--decide kd-study-s0.json kd-study-s1.json kd-study-s2.json``): the best schedule, t8to2, is 0.14
points *below* today's mean (worst seed -0.56): NOT adopted; ``KWSTrainConfig.distill`` stays
``DistillConfig(alpha=0.5, temperature=2.0)``. No schedule moves the mean by more than the seed-to-seed
spread: seed 1 loses with every config and seed 2 gains with every one, though the teacher is 3-6 points above
the student alone on each seed. today's row equals the teacher study's (+1.25 / -0.14 / +1.53: the same
seeds, teacher and student).

Function matching (issue 17 item 3, after Beyer et al. 2022, "Knowledge distillation: A good teacher is patient
and consistent"): the teacher and the student see the *same* augmented batch, including examples mixed between
examples (mixup in feature space, ``FitConfig.mixup``: x = lam x_i + (1 - lam) x_j, lam ~ Beta(a, a) per example,
per batch; the teacher's logits are computed on the mixed batch on the fly, the hard loss mixes the two labels),
and the student may train longer. A candidate of :data:`FM_CONFIGS` changes the student's *pipeline* (the
student fit's mixup and epochs), so its honest pair is the student alone trained with the same pipeline (same
initial weights, same batches, same mixing draws; only the loss differs), trained by the study once per seed and
pipeline; its gain against today's plain alone is reported as well (``gain_plain``)::

    fm       alpha 0.5, T 2, mixup 0.4                 (paired with: alone mixup 0.4)
    fm2x     alpha 0.5, T 2, mixup 0.4, x2 epochs (40)  (paired with: alone mixup 0.4 x2)

Adoption rule of the function-matching study (written before any run; ``--decide ... --rule fm``)::

    Let gain(c, s) = val(distilled with c, seed s) - val(alone with c's pipeline, seed s), in points, seeds 0, 1,
    2 (features of the seed-0 default build); today's gain is against the plain alone. Among the candidates whose
    mean distilled validation accuracy over the seeds is not below today's distilled student's, take the one with
    the highest mean gain. Adopt it as KWSTrainConfig's default if (1) its mean gain beats today's mean gain by
    >= +0.3 points, (2) its mean distilled validation accuracy is not lower than today's distilled student's and
    (3) on no seed is its gain more than 1.0 point below today's gain on that seed. Otherwise keep today's
    pipeline (no mixup, 20 epochs) and record the figures here. The test split is never read.

Command (one process per seed, as above)::

    TINYSLM_TF_THREADS=1 nice -n 5 python -m tinyslm.train.kws_distill_study $F --seeds 0 \\
        --configs fm,fm2x,today --out fm-study-s0.json
    python -m tinyslm.train.kws_distill_study --decide fm-study-s0.json fm-study-s1.json fm-study-s2.json --rule fm

Figures (run 2026-12-06, the commands above with F as above, three processes side by side on the shared 2-core
machine; 720 validation clips, one clip = 0.14 points). The teacher, the plain alone and today's distilled
student reproduced the schedule study's figures to the last digit on every seed (the same seeds, one thread).
Validation accuracy, % (alone = the student alone with the candidate's pipeline)::

    pipeline                     seed 0   seed 1   seed 2    mean
    alone (20 epochs)             91.94    92.64    89.44   91.34
    today distilled               93.19    92.50    90.97   92.22
    alone mixup 0.4               87.78    90.69    88.47   88.98
    fm distilled                  91.53    90.42    90.97   90.97
    alone mixup 0.4 x2 (40 ep.)   94.31    93.61    92.36   93.43
    fm2x distilled                94.86    93.75    94.31   94.31
    alone x2 (40 ep., no mixup)   95.28    94.31    91.81   93.80   (afterwards, see below)

Paired gain, distilled - alone of the same pipeline (and - the plain alone), validation points::

    config   seed 0          seed 1          seed 2          mean
    today    +1.25           -0.14           +1.53           +0.88
    fm       +3.75 (-0.42)   -0.28 (-2.22)   +2.50 (+1.53)   +1.99 (-0.37)
    fm2x     +0.56 (+2.92)   +0.14 (+1.11)   +1.94 (+4.86)   +0.88 (+2.96)

Decision (``--decide ... --rule fm``): fm's mean distilled accuracy (90.97) is below today's (92.22), so it is
out of the pool (mixup at 20 epochs costs the student more than the teacher gives back); fm2x's mean gain equals
today's (+0.88, delta 0.00; worst seed -0.69): NOT adopted, ``KWSTrainConfig`` keeps no mixup and 20 epochs
(mixup stays opt-in, ``FitConfig.mixup``). Training longer is what moves the student: the student *alone*
with mixup 0.4 for 40 epochs (93.43) is above today's distilled student (92.22), and distilling on top of it adds
the same +0.88 as today. After the decision, the plain student alone for 40 epochs (no mixup; a separate script
with the same seeds, init ``seed + 1`` and data order ``seed + 2``, outside this module; at 20 epochs it gives
the study's seed-0 alone, 91.94, to the last digit) gave 93.80: the epochs, not the mixup, do it; at 20 epochs
the student is under-trained. That is a pipeline gain, not a distillation gain; a longer student fit for the
build (and its distilled - alone gain, not measured at 40 epochs without mixup) needs its own rule written before
a run (this one was about distilled - alone). Cost of fm2x in a build
(an estimate, not measured in a build: timings on the shared machine varied 3-11 s per epoch for one fit): the
two student fits double, about 34 + 52 s -> 69 + 103 s at the seed-0 build's 2-thread timings, about +90 s on
a 612 s build.

A longer student fit (the finding above, its own rule; written 2026-12-06 before any of its runs). Candidate
``x2`` = today's distillation (alpha 0.5, T 2, no mixup) with the student fits at 40 epochs instead of 20, paired
with the student alone at 40 epochs. Development data nobody chose anything on: the validation splits of the
seed-1 and seed-2 default builds made with the vocoded copies (``runs/kv-s1``, ``runs/kv-s2``; training seed =
the build's seed), not the seed-0 features the finding came from. Rule (``--decide ... --rule longer``)::

    Let d(s) = val(x2 distilled, s) - val(today distilled, s), in points. Adopt 40 student epochs as
    KWSTrainConfig's default if (1) the mean of d over the two sets is >= +1.0 point, (2) d(s) >= 0 on each set
    and (3) x2's mean paired gain (distilled - alone at 40 epochs) is not more than 0.5 points below today's
    (distilled - alone at 20). Otherwise keep 20 epochs. The test splits are never read.

Commands::

    for s in 1 2; do TINYSLM_TF_THREADS=1 python -m tinyslm.train.kws_distill_study runs/kv-s$s/features/features.npz \
        --seeds $s --configs today,x2 --out longer-s$s.json; done
    python -m tinyslm.train.kws_distill_study --decide longer-s1.json longer-s2.json --rule longer

Figures (run 2026-12-06 with the commands above, two processes side by side; 720 validation clips each). Teacher
0.9736 / 0.9736; validation accuracy, % (set kv-s1 / kv-s2)::

    alone, 20 epochs            93.61   92.78
    today distilled (20)        94.58   92.22
    alone, 40 epochs            94.86   94.03
    x2 distilled (40)           94.86   94.72

d = +0.28 / +2.50 (mean +1.39 >= +1.0, none below 0); paired gain x2 +0.35 vs today +0.21 points: ADOPTED,
``KWSTrainConfig.student_fit`` trains 40 epochs (the pruning fine-tune is unchanged).

Decoupled knowledge distillation (issue 17 item 3; Zhao et al. 2022, tinyslm/train/distill.py): the classic soft
term is TCKD + (1 - p_t[y]) NCKD, so the teacher's knowledge about the *other* classes (which wrong words a clip
resembles) is weighted down exactly where the teacher is confident, as this teacher is on most training clips.
DKD weights it by a constant beta instead. Candidate ``dkd8`` = alpha 0.5, T 4, beta 8 (the paper's CIFAR
setting: CE + T^2 (TCKD + 8 NCKD), the same ratios as our (1 - alpha) CE + alpha T^2 (...) with alpha 0.5),
the build's pipeline otherwise (40 epochs, no mixup). Rule (written 2026-12-06 before any of its runs;
``--decide ... --rule dkd``)::

    Four pairs on data no DKD choice was made on: the validation splits of the seed-1 and seed-2 datasets
    (``tinyslm data kws --seed S --out D && tinyslm data features D -o D.npz``), training seeds 1 and 3 on the
    seed-1 set and 2 and 4 on the seed-2 set; each pair = the build's teacher, the student alone, today's
    distilled student and dkd8's, from the same initial weights and batches. Let gain(c, p) = val(distilled c, p)
    - val(alone, p) in points. Adopt dkd8 as KWSTrainConfig.distill if (1) its mean gain over the four pairs
    beats today's mean gain by >= +0.3 points and (2) on no pair is its gain more than 1.0 point below today's
    (the schedule study's rule, :func:`decide`). A pair not finished is missing and the rule needs all four.
    The test splits are never read (load_train_val drops them).

Commands::

    for s in 1 2; do tinyslm data kws --seed $s --out runs/d$s && tinyslm data features runs/d$s -o runs/d$s.npz; done
    TINYSLM_TF_THREADS=1 python -m tinyslm.train.kws_distill_study runs/d1.npz --seeds 1,3 --configs today,dkd8 \
        --out dkd-d1.json   # and runs/d2.npz --seeds 2,4 --out dkd-d2.json, side by side
    python -m tinyslm.train.kws_distill_study --decide dkd-d1.json dkd-d2.json --rule dkd

Figures (run 2026-12-06 with the commands above, two processes side by side; 720 validation clips each). Teacher
0.9736 on both sets (seeds 1 and 2); validation accuracy, %::

    pair (set, seed)        d1, 1    d2, 2
    alone                   94.86    94.03
    today distilled         94.86    94.72    gain  0.00 / +0.69
    dkd8 distilled          94.72    93.33    gain -0.14 / -0.69

On the seed-2 pair dkd8's gain is 1.39 points below today's, which fails condition (2) whatever the two other
pairs give, so the study was stopped there (seeds 3 and 4 not run): NOT adopted; ``KWSTrainConfig.distill`` stays
alpha 0.5, T 2 and DKD stays opt-in (``DistillConfig(dkd_beta=...)``). Decoupling the non-target term does not
help this student: it follows the teacher's class ranking less well, not better (seed 2: -1.4 points).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .api import KWSTrainConfig
from .distill import DistillConfig
from .fit import FitConfig, fit
from .kws_teacher_study import (StudyResult, build_teacher, exit_code, load_train_val, prepare, saver,
                                short_fits, study_hooks)


@dataclass(frozen=True)
class Candidate:
    """A distilled student: its :class:`DistillConfig` and its data pipeline (the student fit's mixup and length).
    Its paired baseline is the student alone trained with the same pipeline (same mixup, same epochs)."""

    distill: DistillConfig
    mixup: float = 0.0  # FitConfig.mixup of the student's fit: Beta(a, a), per batch, alone and distilled alike
    longer: float = 1.0  # the student's epochs times this

    def pipeline(self) -> str:
        """The name of the alone baseline with this pipeline.

        >>> Candidate(DistillConfig()).pipeline(), Candidate(DistillConfig(), mixup=0.4, longer=2).pipeline()
        ('alone', 'alone mixup 0.4 x2')
        """
        parts = ([f"mixup {self.mixup:g}"] if self.mixup else []) + ([f"x{self.longer:g}"] if self.longer != 1 else [])
        return " ".join(["alone", *parts])

    def describe(self) -> str:
        """
        >>> Candidate(DistillConfig(alpha=0.5, temperature=2.0), mixup=0.4, longer=2).describe()
        'alpha 0.5, T 2, mixup 0.4, x2 epochs'
        """
        return self.distill.describe() + (f", mixup {self.mixup:g}" if self.mixup else "") + (
            f", x{self.longer:g} epochs" if self.longer != 1 else "")

    def fit_config(self, base: FitConfig) -> FitConfig:
        if not self.mixup and self.longer == 1:
            return base
        return dataclasses.replace(base, mixup=self.mixup, epochs=max(1, round(base.epochs * self.longer)))


class PipelineResult(StudyResult):
    """StudyResult whose distilled rows pair with the alone row of the same seed *and pipeline* (``gain``), and
    also with the plain alone of that seed (``gain_plain``). Rows without a pipeline are the plain one."""

    def paired(self) -> list[dict]:
        alone = {(r["seed"], r.get("pipeline", "alone")): r["val"] for r in self.rows if r["kind"] == "alone"}
        out = []
        for r in self.rows:
            key = (r["seed"], r.get("pipeline", "alone"))
            if r["kind"] != "distilled" or key not in alone:
                continue
            row = {self.key: r[self.key], "seed": r["seed"], "alone": alone[key], "distilled": r["val"],
                   "gain": r["val"] - alone[key]}
            if key[1] != "alone":
                row["pipeline"] = key[1]
                if (r["seed"], "alone") in alone:
                    row["alone_plain"] = alone[r["seed"], "alone"]
                    row["gain_plain"] = r["val"] - alone[r["seed"], "alone"]
            out.append(row)
        return out

CONFIGS: dict[str, DistillConfig] = {
    "today": DistillConfig(alpha=0.5, temperature=2.0),
    "t4to1": DistillConfig(alpha=0.5, temperature=4.0, temperature_end=1.0),
    "t8to2": DistillConfig(alpha=0.5, temperature=8.0, temperature_end=2.0),
    "a9to1": DistillConfig(alpha=0.9, temperature=2.0, alpha_end=0.1),
    "dkd8": DistillConfig(alpha=0.5, temperature=4.0, dkd_beta=8.0),  # decoupled KD (its own rule, --rule dkd)
}
BASELINE = "today"
MIN_MEAN_GAIN = 0.3  # points over the baseline's mean paired gain
MAX_SEED_LOSS = 1.0  # points below the baseline's gain on any one seed

# function matching (Beyer et al. 2022): the teacher's logits on the student's own (augmented, mixed) batch
_TODAY = CONFIGS["today"]
FM_CONFIGS: dict[str, Candidate] = {
    "fm": Candidate(_TODAY, mixup=0.4),
    "fm2x": Candidate(_TODAY, mixup=0.4, longer=2.0),
    "x2": Candidate(_TODAY, longer=2.0),  # the longer-fit study (its own rule, ``--rule longer``)
}
FM_RULE = "fm"  # --rule: the function-matching study's rule (see the module docstring)
LONGER_RULE = "longer"
DKD_RULE = "dkd"
DKD_PAIRS = 4  # the DKD rule needs all four pairs
LONGER_MIN_MEAN = 1.0  # points of distilled validation accuracy over today's, mean over the sets
LONGER_MAX_GAIN_LOSS = 0.5  # points of paired gain below today's


def candidate(name: str) -> Candidate:
    """A candidate by name: a schedule of :data:`CONFIGS` (the build's pipeline) or one of :data:`FM_CONFIGS`."""
    if name in FM_CONFIGS:
        return FM_CONFIGS[name]
    if name in CONFIGS:
        return Candidate(CONFIGS[name])
    raise ValueError(f"unknown config {name!r}; known: {', '.join([*CONFIGS, *FM_CONFIGS])}")


def decide(paired: Sequence[dict], baseline: str = BASELINE) -> dict:
    """The adoption rule of the module docstring on paired rows (gains as accuracy fractions); seeds are those
    where every config was measured.

    >>> rows = [{"config": c, "seed": s, "gain": g / 100} for c, gs in
    ...         {"today": (1, 1, 1), "a": (2, 2, 0.1), "b": (1.2, 1.2, 1.2)}.items() for s, g in enumerate(gs)]
    >>> d = decide(rows)
    >>> d["best"], round(d["delta"], 2), round(d["worst_seed_delta"], 2), d["adopt"]
    ('a', 0.37, -0.9, True)
    >>> rows[5]["gain"] = -0.001  # a on seed 2: 1.1 points below today's
    >>> d = decide(rows); d["best"], round(d["delta"], 2), d["adopt"]
    ('a', 0.3, False)
    """
    by: dict[str, dict[int, float]] = {}
    for r in paired:
        by.setdefault(r["config"], {})[r["seed"]] = 100.0 * r["gain"]
    seeds = sorted(set.intersection(*(set(v) for v in by.values()))) if by else []
    mean = {c: statistics.fmean(v[s] for s in seeds) for c, v in by.items()} if seeds else {}
    others = [c for c in mean if c != baseline]
    if baseline not in mean or not others:
        return {"seeds": seeds, "mean_gain_points": mean, "best": None, "delta": None, "adopt": False}
    best = max(others, key=lambda c: mean[c])
    delta = mean[best] - mean[baseline]
    worst = min(by[best][s] - by[baseline][s] for s in seeds)
    return {"seeds": seeds, "mean_gain_points": mean, "best": best, "delta": delta, "worst_seed_delta": worst,
            "adopt": delta >= MIN_MEAN_GAIN and worst >= -MAX_SEED_LOSS}


def decide_fm(paired: Sequence[dict], candidates: Sequence[str] = ("fm", "fm2x"), baseline: str = BASELINE) -> dict:
    """The function-matching rule of the module docstring on paired rows (accuracy fractions; ``gain`` is against
    the alone of the candidate's own pipeline). Seeds are those where the baseline and every candidate present
    were measured.

    >>> rows = [{"config": c, "seed": s, "gain": g / 100, "distilled": v / 100}
    ...         for c, gs, v in (("today", (1, 1, 1), 92), ("fm", (1.5, 1.5, 1.2), 92.1), ("fm2x", (2, 2, 2), 91.9))
    ...         for s, g in enumerate(gs)]
    >>> d = decide_fm(rows)
    >>> d["best"], round(d["delta"], 2), d["adopt"]
    ('fm', 0.4, True)
    >>> rows[4]["distilled"] = 0.90  # fm on seed 1 two points lower: its mean validation accuracy falls below today's
    >>> decide_fm(rows)["adopt"]
    False
    """
    by: dict[str, dict[int, dict]] = {}
    for r in paired:
        if r["config"] == baseline or r["config"] in candidates:
            by.setdefault(r["config"], {})[r["seed"]] = r
    seeds = sorted(set.intersection(*(set(v) for v in by.values()))) if by else []
    mean = {c: statistics.fmean(100.0 * v[s]["gain"] for s in seeds) for c, v in by.items()} if seeds else {}
    val = {c: statistics.fmean(100.0 * v[s]["distilled"] for s in seeds) for c, v in by.items()} if seeds else {}
    plain = {c: statistics.fmean(100.0 * v[s].get("gain_plain", v[s]["gain"]) for s in seeds)
             for c, v in by.items()} if seeds else {}
    others = [c for c in mean if c != baseline]
    out = {"seeds": seeds, "mean_gain_points": mean, "mean_gain_vs_plain_alone_points": plain,
           "mean_distilled_val_points": val, "best": None, "delta": None, "adopt": False}
    if baseline not in mean or not others:
        return out
    # among the candidates whose distilled accuracy is not below today's (all of them if none is), the highest gain
    pool = [c for c in others if val[c] >= val[baseline]] or others
    best = max(pool, key=lambda c: mean[c])
    delta = mean[best] - mean[baseline]
    worst = min(100.0 * (by[best][s]["gain"] - by[baseline][s]["gain"]) for s in seeds)
    out.update(best=best, delta=delta, worst_seed_delta=worst, val_delta=val[best] - val[baseline],
               adopt=delta >= MIN_MEAN_GAIN and worst >= -MAX_SEED_LOSS and val[best] >= val[baseline])
    return out


def decide_longer(paired: Sequence[dict], cand: str = "x2", baseline: str = BASELINE) -> dict:
    """The longer-fit rule of the module docstring on paired rows (accuracy fractions; one seed per set).

    >>> rows = [{"config": c, "seed": s, "distilled": v / 100, "gain": g / 100}
    ...         for c, vs, g in (("today", (92, 91), 1.0), ("x2", (93.5, 91.8), 0.8)) for s, v in zip((1, 2), vs)]
    >>> d = decide_longer(rows); round(d["mean_delta"], 2), d["adopt"]
    (1.15, True)
    >>> rows[3]["distilled"] = 0.908  # one set lower: refused
    >>> decide_longer(rows)["adopt"]
    False
    """
    by = {(r["config"], r["seed"]): r for r in paired if r["config"] in (cand, baseline)}
    seeds = sorted({s for c, s in by if (cand, s) in by and (baseline, s) in by})
    out: dict = {"seeds": seeds, "adopt": False}
    if not seeds:
        return out
    d = [100.0 * (by[cand, s]["distilled"] - by[baseline, s]["distilled"]) for s in seeds]
    g = {c: statistics.fmean(100.0 * by[c, s]["gain"] for s in seeds) for c in (cand, baseline)}
    out.update(delta_per_seed=d, mean_delta=statistics.fmean(d), mean_gain_points=g,
               adopt=statistics.fmean(d) >= LONGER_MIN_MEAN and min(d) >= 0
               and g[cand] >= g[baseline] - LONGER_MAX_GAIN_LOSS)
    return out


def decide_dkd(paired: Sequence[dict], cand: str = "dkd8", baseline: str = BASELINE) -> dict:
    """The DKD rule of the module docstring: :func:`decide` on today and `cand`, and all four pairs measured.

    >>> rows = [{"config": c, "seed": s, "gain": g / 100} for c, gs in
    ...         {"today": (0.5, 0.2, 0.4, 0.3), "dkd8": (1.0, 0.5, 0.9, 0.4)}.items() for s, g in zip((1, 3, 2, 4), gs)]
    >>> d = decide_dkd(rows); round(d["delta"], 2), d["adopt"]
    (0.35, True)
    >>> decide_dkd(rows[:3] + rows[4:7])["adopt"]  # a pair missing
    False
    """
    rows = [r for r in paired if r["config"] in (cand, baseline)]
    out = decide(rows, baseline)
    if len(out.get("seeds", [])) < DKD_PAIRS:
        out.update(adopt=False, reason=f"{len(out.get('seeds', []))} of {DKD_PAIRS} pairs measured")
    return out


def run_study(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
              configs: Sequence[str], seeds: Sequence[int], cfg: KWSTrainConfig = KWSTrainConfig(),
              result: StudyResult | None = None, on_row: Callable[[StudyResult], None] = lambda r: None,
              verbose: bool = False, specs: dict[str, DistillConfig | Candidate] | None = None) -> StudyResult:
    """Per seed: the build's teacher, the student alone and the student distilled with each config (validation).
    A candidate with its own pipeline (mixup, longer fit) also trains the student alone with that pipeline, once
    per seed, just before the first distilled student that pairs with it (row ``pipeline``)."""
    from ._tf import seed_everything
    from .models import build_kwt

    cands: dict[str, Candidate] = {}
    for name in configs:
        if specs is None:
            cands[name] = candidate(name)
        elif name in specs:
            v = specs[name]
            cands[name] = v if isinstance(v, Candidate) else Candidate(v)
        else:
            raise ValueError(f"unknown config {name!r}; known: {', '.join(specs)}")
    result = result or PipelineResult("", {}, key="config")
    scfg, x_train, x_val = prepare(x_train, y_train, x_val, y_val, cfg, result)

    val_acc, add = study_hooks(result, on_row, x_val, y_val)

    for seed in seeds:
        teacher, sec = build_teacher(x_train, y_train, cfg, scfg, seed, verbose)  # as train_kws trains it
        add({"kind": "teacher", "config": None, "seed": seed, "val": val_acc(teacher), "seconds": sec})

        def student(d: DistillConfig | None, fcfg: FitConfig, label: str) -> tuple[float, float]:
            seed_everything(seed + 1)  # the same initial weights for every student of this seed
            s = build_kwt(scfg)
            r = fit(s, x_train, y_train, None, None, fcfg, teacher=teacher if d is not None else None,
                    distill=d, seed=seed + 2, label=label, verbose=verbose)
            return val_acc(s), r.seconds

        v, sec = student(None, cfg.student_fit, "student alone")
        add({"kind": "alone", "config": None, "seed": seed, "val": v, "seconds": sec})
        alone_done = {"alone"}
        for name, c in cands.items():
            fcfg, pipe = c.fit_config(cfg.student_fit), c.pipeline()
            extra = {} if pipe == "alone" else {"pipeline": pipe}
            if pipe not in alone_done:
                v, sec = student(None, fcfg, f"student {pipe}")
                add({"kind": "alone", "config": None, "seed": seed, "val": v, "seconds": sec, **extra})
                alone_done.add(pipe)
            v, sec = student(c.distill, fcfg, f"student distilled ({name})")
            add({"kind": "distilled", "config": name, "describe": c.describe(), "seed": seed, "val": v,
                 "seconds": sec, **extra})
    return result


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinyslm.train.kws_distill_study", description=__doc__.split("\n")[0])
    p.add_argument("features", type=Path, nargs="?",
                   help="a build's features/features.npz (only train and val are read)")
    p.add_argument("--configs", default=",".join(CONFIGS),
                   help=f"distillation configs to pair with the student alone, in this order (known: "
                        f"{', '.join([*CONFIGS, *FM_CONFIGS])})")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--epochs", type=int, default=0, help="override every fit's epochs (smoke runs only)")
    p.add_argument("--out", type=Path, default=Path("kws-distill-study.json"))
    p.add_argument("--decide", type=Path, nargs="*", default=None,
                   help="only apply the adoption rule to these result files (no training)")
    p.add_argument("--rule", choices=("schedule", FM_RULE, LONGER_RULE, DKD_RULE), default="schedule",
                   help="with --decide: the schedule study's rule or the function-matching study's")
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args(argv)
    if a.decide is not None:
        paired = [r for f in a.decide for r in json.loads(f.read_text())["paired"]]
        rules = {"schedule": decide, FM_RULE: decide_fm, LONGER_RULE: decide_longer, DKD_RULE: decide_dkd}
        print(json.dumps(rules[a.rule](paired), indent=1))
        return 0
    if a.features is None or not a.features.is_file():
        print(f"error: no features file at {a.features} (run `tinyslm build kws` first; it is "
              f"<run>/features/features.npz)")
        return 2
    cfg = short_fits(KWSTrainConfig(), a.epochs)
    xt, yt, xv, yv = load_train_val(a.features)

    return exit_code(lambda: run_study(xt, yt, xv, yv, [n for n in a.configs.split(",") if n],
                                       [int(s) for s in a.seeds.split(",")], cfg,
                                       PipelineResult(str(a.features), {}, key="config"), saver(a.out), a.verbose))


if __name__ == "__main__":
    raise SystemExit(main())
