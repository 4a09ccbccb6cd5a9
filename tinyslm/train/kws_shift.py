"""Domain-shift development splits for the synthetic KWS set (issue 17), built only from what training may use.

The held-out engine (kws_synth.OTHER_ENGINE) and every test split stay unread: choices about the training
speech are made on the validation split and on one of these dev splits instead.

* engine-out: train on a build's espeak-ng training clips only; dev = festival's diphone voices speaking
  every class under validation conditions (:func:`make_dev_set`), a synthesizer the model never heard;
* voice-out: train on espeak-ng + one diphone voice (``--train-voices espeak,kal_diphone``); dev = the other
  diphone voice (``--dev-voices ked_diphone``).

One run trains the default KWT student alone (float) and prints validation and dev accuracy::

    python -m tinyslm.train.kws_shift make-dev runs/kws-dev
    python -m tinyslm.train.kws_shift run runs/q17-kws-s0/data/speech runs/kws-dev \\
        --train-voices espeak,kal_diphone --dev-voices ked_diphone --seed 0

A training-speech recipe is compared on the same clips (of a build made without vocoded copies,
``make_kws_dataset(..., vocoder_copies=0)``): ``vocode`` copies a build's train/val clips with the
training words that the vocoder draw of kws_synth picks (probability P) made again through the vocoder
(tinyslm/data/vocoder.py), exactly what a build with ``VOCODER_PROBABILITY = P`` would have made::

    python -m tinyslm.train.kws_shift vocode runs/q17-kws-s0/data/speech runs/kws-voc30 --p 0.3
    python -m tinyslm.train.kws_shift run runs/kws-voc30 runs/kws-dev

With ``--beside`` the picked words are not replaced: each is made again through the vocoder as a NEW clip
(``<word>/<tag>_nohash_<n>_voc.wav``, the clip the replacing recipe would have made, under its own name) beside
its clean original, exactly what a build with ``VOCODER_COPIES = P`` (``make_kws_dataset(..., vocoder_copies=P)``)
makes; the clean words stay as they were and training holds a share P more words::

    python -m tinyslm.train.kws_shift vocode runs/q17-kws-s0/data/speech runs/kws-voc60b --p 0.6 --beside

Vocoded copies study (issue 17), rule fixed before its first run, the same as the replacing study's:

* paired runs on one build's clips (seed-0 build), ``run`` at its defaults (20 epochs), seeds 0 and 1, on both
  splits: engine-out (``--train-voices espeak``) and voice-out (``--train-voices espeak,kal_diphone
  --dev-voices ked_diphone``); baseline = the build's clips, copies = ``vocode --beside --p 0.6`` of them
  (copies of every engine's picked words; a split trains only on its training voices' copies);
* adopt if, as the mean over seeds 0 and 1 of (copies - baseline): the engine-out dev gain >= +2.0 points AND
  the voice-out dev gain >= +2.0 points AND validation (held-out espeak-ng voices; the mean over the four pairs
  of both splits) is down by <= 1.0 point;
* p = 0.6 is the candidate (the replacing study's p, which moved both dev splits). p = 0.3 is run only if time
  allows and is adopted only if p = 0.6 fails the rule and p = 0.3 passes it on its own;
* adopted means ``VOCODER_COPIES = p`` in tinyslm/data/kws_synth.py (a default build's training split gains the
  copies, ~p x its word clips, and trains longer); otherwise it stays 0 (opt-in: ``vocoder_copies=p``).

Result (/work/runs/voc-beside-study.json; mean over seeds 0 and 1, copies - baseline, points): p = 0.6 engine-out
dev +3.1 (0.0, +6.2), voice-out dev +7.5 (+8.5, +6.5), validation +2.4 (every pair up): it passes, so
VOCODER_COPIES = 0.6 (p = 0.3: +1.5 / +6.5 / +1.3, fails). For information, run afterwards and not part of the
rule: seeds 2 and 3 (over four seeds +2.6 / +5.6 / +2.5; engine-out per seed 0.0, +6.2, +6.9, -2.8), and the
baseline trained for as many steps as the copies run (``--epochs 31``, no vocoder), which alone gives +2.5 / +3.5
/ +1.7 over four seeds: against it the copies gain +0.1 engine-out, +2.1 voice-out and +0.7 validation. Most of
the engine-out gain is the longer training, not the vocoder.

GnuSpeech (tinyslm/data/gnuspeech.py, an articulatory synthesizer) in training: ``gnuspeech`` copies a build's
train/val clips with the training words whose engine draw of kws_synth falls in GnuSpeech's share P (just above
festival's FESTIVAL_TRAIN_PROBABILITY: espeak-ng words in a build without GnuSpeech) spoken again by GnuSpeech, their
vocoded copies too, exactly what a build with ``GNUSPEECH_TRAIN_PROBABILITY = P`` makes; every other clip is
hard-linked. Its clips are the voice ``gnuspeech`` of ``run``; ``make-dev --engine gnuspeech`` makes a GnuSpeech dev
set::

    python -m tinyslm.train.kws_shift gnuspeech runs/kl-s0/data/speech runs/gs-p20 --p 0.2
    python -m tinyslm.train.kws_shift run runs/gs-p20 runs/kws-dev --train-voices espeak,gnuspeech

GnuSpeech study (issue 17), rule fixed before its first run:

* clips: the seed-0 default build's (/work/runs/kl-s0/data/speech: festival 40% of the training words, vocoded
  copies 0.6). Candidate = ``gnuspeech --p 0.2`` of it (/work/runs/gs-p20): the training words whose engine draw
  falls in [0.4, 0.6) -- a third of that build's espeak-ng words -- spoken by GnuSpeech, with their vocoded copies:
  the training split of a build with GNUSPEECH_TRAIN_PROBABILITY = 0.2 (festival 40%, GnuSpeech 20%, espeak-ng 40%
  of the words); validation unchanged;
* engine-out split (dev = festival's diphone voices, /work/runs/kws-dev from ``make-dev``): baseline ``run
  kl-s0 kws-dev --train-voices espeak``, candidate ``run gs-p20 kws-dev --train-voices espeak,gnuspeech``, both at
  ``run``'s defaults (20 epochs) and on the same number of clips (the candidate's GnuSpeech words replace espeak-ng
  words: the same steps), seeds 0, 1, 2 and 3, paired (the same seed on both sides);
* adopt (GNUSPEECH_TRAIN_PROBABILITY = 0.2, gnuspeech in TRAIN_ENGINES) if, as the mean over the four seeds of
  (candidate - baseline): the engine-out dev gain >= +2.0 points AND validation (held-out espeak-ng voices) is down
  by <= 1.0 point AND the dev gain is > 0 in at least 3 of the 4 seeds. Otherwise it stays 0 (opt-in:
  ``make_kws_dataset(..., gnuspeech=P)``). No other share is tried for adoption;
* for information only, not part of the rule: the GnuSpeech-dev split, how far today's training is from GnuSpeech:
  ``run kl-s0 gs-dev --train-voices espeak,kal_diphone,ked_diphone --dev-voices gnuspeech`` (dev =
  ``make-dev --engine gnuspeech``, GnuSpeech speaking every class under validation conditions), seeds 0 and 1.

The held-out engine (festival-hts) and every test split stay unread during the study.

Result (/work/runs/gs-results.jsonl, /work/runs/gs-study.sh; candidate - baseline, points, seeds 0/1/2/3): engine-out
dev -1.5 / -3.5 / -4.0 / +1.5 (mean -1.9; baseline 0.639 / 0.700 / 0.650 / 0.640), validation -1.4 / -1.8 / -1.7 /
-1.7 (mean -1.6): it fails all three conditions, so GNUSPEECH_TRAIN_PROBABILITY stays 0. GnuSpeech-dev split
(information): today's training engines give 0.514 / 0.517 on GnuSpeech (seeds 0, 1; validation 0.942), against
0.93 on held-out espeak-ng voices: as far from GnuSpeech as from festival's HTS voice (about 0.50), and far above
chance (1/12), so its words are recognisable but it is another domain, and a third of the espeak-ng words given to
it did not carry over to festival's diphone voices.

Cepstral mean normalization study (issue 17), rule fixed before its first run. Hypothesis: much of the engine gap
is a per-utterance channel/timbre offset in the MFCCs (spectral tilt, vocoder buzz, loudness) that the student's
first op can remove: ``KWTConfig.cmn`` subtracts each coefficient's mean over the clip's frames (TFLite MEAN + SUB;
the frontend is unchanged). ``run --cmn`` trains that student; ``--dev2`` scores the same model on a second dev set:

* clips: the seed-0 default build's (/work/runs/kl-s0/data/speech); engine-out split (``--train-voices espeak``),
  dev = festival's diphone voices (/work/runs/kws-dev); the same model is also scored on the GnuSpeech dev set
  (``--dev2 /work/runs/gs-dev``, ``make-dev --engine gnuspeech``: a second engine training never heard);
* baseline ``run kl-s0 kws-dev --train-voices espeak --dev2 gs-dev --seed S`` at ``run``'s defaults (20 epochs),
  candidate the same with ``--cmn``; seeds 0, 1, 2 and 3, paired (the same seed on both sides);
* adopt (``cmn=True`` for the default build's KWT student) if, with gains = candidate - baseline in points: the mean
  festival-dev gain over the four seeds >= +2.0 AND the festival-dev gain > 0 in at least 3 of the 4 seeds AND
  validation (held-out espeak-ng voices) is down by <= 1.0 point on the mean AND the mean GnuSpeech-dev gain >= 0.
  Otherwise it stays False (opt-in). One candidate only: mean + variance normalization is not tried for adoption
  (at most information, run afterwards);
* the held-out engine (festival-hts) and every test split stay unread during the study.

Result (/work/runs/cmn-results.jsonl, /work/runs/cmn-study.sh; cmn - baseline, points, seeds 0/1/2/3): festival dev
-3.1 / -4.7 / -3.2 / -2.2 (mean -3.3; baseline 0.639 / 0.700 / 0.650 / 0.640, the GnuSpeech study's figures again),
validation -2.8 / -1.7 / -2.9 / -3.1 (mean -2.6), GnuSpeech dev -5.0 / -1.4 / -5.3 / -4.0 (mean -3.9; baseline
0.565 / 0.564 / 0.572 / 0.563): it fails all four conditions (no seed gains anywhere), so KWTConfig.cmn stays False
(opt-in). The int8 model is exact on the device (MEAN + SUB, bit-exact with TFLM: tests/test_train_models.py), but
the per-clip mean is not a channel offset to remove: it carries information the student uses. For information only,
run afterwards and not part of the rule (``run --utt-norm``, float, in numpy; /work/runs/cmn-info.jsonl, the same
baselines): mean + variance normalization ("mvn") -1.6 dev / -1.6 validation / -4.1 GnuSpeech dev (seeds 0-3; dev
-1.9, -5.6, -1.5, +2.5); the mean removed from c1..c9 only ("cmn-keep-c0", the level kept) -2.0 / -2.7 / -7.1; the
in-model layer's numpy twin ("cmn", seeds 0, 1) -3.3 / -2.7 / -4.2, as the layer. A one-second clip holds one word
and silence: its mean spectrum is the word's own average spectrum and its length against the silence, not a channel.

SVOX Pico (tinyslm/data/pico.py: HMM-based synthesis, two English voices from the py-nanotts wheel, at four pitch
factors and three speeds) in training: ``pico`` copies a build's train/val clips with the training words of Pico's
share P spoken again by Pico, exactly as ``gnuspeech`` does (Pico's share starts where GnuSpeech's ends; GnuSpeech's
is 0); ``make-dev --engine pico`` makes a Pico dev set::

    python -m tinyslm.train.kws_shift pico runs/kl-s0/data/speech runs/pico-p20 --p 0.2
    python -m tinyslm.train.kws_shift run runs/pico-p20 runs/kws-dev --train-voices espeak,pico --dev2 runs/gs-dev

Pico study (issue 17), rule fixed before its first run (the GnuSpeech study's design and bars, plus GnuSpeech dev):

* clips: the seed-0 default build's (/work/runs/kl-s0/data/speech). Candidate = ``pico --p 0.2`` of it
  (/work/runs/pico-p20): the training words whose engine draw falls in [0.4, 0.6) spoken by Pico, with their
  vocoded copies: the training split of a build with PICO_TRAIN_PROBABILITY = 0.2 (festival 40%, Pico 20%,
  espeak-ng 40% of the words); validation unchanged;
* engine-out split, dev = festival's diphone voices (/work/runs/kws-dev), the same model also scored on the
  GnuSpeech dev set (``--dev2 /work/runs/gs-dev``): baseline ``run kl-s0 kws-dev --train-voices espeak --dev2 gs-dev
  --seed S``, candidate ``run pico-p20 kws-dev --train-voices espeak,pico --dev2 gs-dev --seed S``, both at ``run``'s
  defaults (20 epochs) and on the same number of clips, seeds 0, 1, 2 and 3, paired; the baselines are run again
  beside the candidates (not copied from the earlier studies);
* adopt (PICO_TRAIN_PROBABILITY = 0.2, pico in TRAIN_ENGINES) if, with gains = candidate - baseline in points: the
  mean festival-dev gain over the four seeds >= +2.0 AND the festival-dev gain > 0 in at least 3 of the 4 seeds AND
  validation (held-out espeak-ng voices) is down by <= 1.0 point on the mean AND the mean GnuSpeech-dev gain >= 0.
  Otherwise it stays 0 (opt-in: ``make_kws_dataset(..., pico=P)``). No other share is tried for adoption;
* for information only, not part of the rule: how far today's training engines are from Pico, ``run kl-s0 pico-dev
  --train-voices espeak,kal_diphone,ked_diphone --dev-voices pico`` (dev = ``make-dev --engine pico``), seeds 0, 1;
* Pico is statistical parametric synthesis, as the held-out engine (festival's HTS voice) is: that is known going
  in, which is why the decision is made on the two dev engines (a diphone and an articulatory synthesizer) and
  validation only. The held-out engine and every test split stay unread during the study.

Result (/work/runs/pico-results.jsonl, /work/runs/pico-study.sh; candidate - baseline, points, seeds 0/1/2/3): festival
dev +0.1 / -1.9 / -1.0 / +0.6 (mean -0.6; baselines 0.639 / 0.700 / 0.650 / 0.640, the earlier studies' figures
again), validation -4.3 / -1.7 / -1.7 / -1.4 (mean -2.3), GnuSpeech dev -2.4 / +2.8 / -1.0 / +1.9 (mean +0.3): it fails
the festival-dev and validation conditions, so PICO_TRAIN_PROBABILITY stays 0 (opt-in). For information: today's
training engines reach 0.553 / 0.558 on Pico's words (seeds 0, 1; validation 0.942), as on GnuSpeech (0.51) and the
held-out engine (about 0.50): each synthesizer is its own domain, and a second engine given a third of the espeak-ng
words did not carry over to a third engine, while validation lost what those words taught.

For information, run after that result and not part of any rule (/work/runs/pico-info.jsonl, pico-info.sh; the same
seed-0 clips and dev sets): with the build's three training voices (espeak-ng and both diphone voices) a fourth-style
engine in a third of the espeak-ng words did help on the other unseen one: adding Pico, GnuSpeech dev +3.5 points
(+6.1, +3.6, +4.3, +0.1; seeds 0-3); adding GnuSpeech, Pico dev +3.3 (+0.8, +7.8, -0.8, +5.6); validation -1.8 and
-1.2. That prompted the next study, on other data.

Pico copies (``copies``): the build's clips all kept, plus a Pico rendition of each original training word that
kws_synth's engine-copy draw picks at probability P, as new clips beside them (``PICO_COPIES``)::

    python -m tinyslm.train.kws_shift copies runs/kl-s1/data/speech runs/pc30-s1 --p 0.3

Pico-copies study (issue 17), rule fixed before its first run. It decides on data the exploration above did not
touch: the seed-1 default build's clips and a GnuSpeech dev set of another seed.

* clips: /work/runs/kl-s1/data/speech (the seed-1 default build). Candidate = ``copies --p 0.3`` of it
  (/work/runs/pc30-s1): about 30% more word clips, spoken by Pico. Validation unchanged;
* dev = GnuSpeech speaking every class under validation conditions, dataset seed 5001
  (``make-dev /work/runs/gs-dev-5001 --engine gnuspeech --seed 5001``), an engine no run trains on;
* every run trains on all of its folder's training voices (espeak, kal_diphone, ked_diphone, plus pico for the
  candidate) at ``run``'s defaults, seeds 0, 1, 2 and 3, paired. Two baselines on the build's clips: at 20 epochs
  (the build as it is), and "equal steps": as many optimizer steps as the candidate, ``--epochs`` =
  round(20 x candidate training clips / baseline training clips);
* adopt (PICO_COPIES = 0.3 in kws_synth) if, with gains = candidate - equal-steps baseline in points: the mean
  GnuSpeech-dev gain over the four seeds >= +2.0 AND that gain > 0 in at least 3 of the 4 seeds AND validation
  (held-out espeak-ng voices) is down by <= 1.0 point on the mean. Then the default KWS build must still finish in
  15 minutes on the quiet 2-core machine (measured after adopting; if not, the adoption is undone). Otherwise it
  stays 0 (opt-in: ``make_kws_dataset(..., pico_copies=P)``). No other P is tried for adoption;
* the gain over the 20-epoch baseline is reported beside it, for information;
* the held-out engine (festival-hts), every test split and the fresh sets stay unread during the study.

Result (/work/runs/pc-results.jsonl, /work/runs/pc-study.sh; 8,075 baseline and 9,515 candidate training clips, so
equal steps = 24 epochs; candidate - equal-steps baseline, points, seeds 0/1/2/3): GnuSpeech dev +0.4 / +0.1 / -0.6 /
+1.5 (mean +0.4; equal-steps baseline 0.547 / 0.540 / 0.571 / 0.557), validation +1.5 / +1.1 / -1.4 / -0.7 (mean
+0.1): it fails the dev condition, so PICO_COPIES stays 0 (opt-in). For information, against the 20-epoch baseline:
dev +1.6 (+1.0, +2.6, +1.4, +1.5), validation +0.7; nearly all of that is the longer training. Pico words beside
espeak-ng's add little; what moved the unseen engine in the exploration was Pico taking espeak-ng's place, which
costs validation (held-out espeak-ng voices) as much as it gains.

Training-set size study (issue 17's fresh-set bar, 0.95 on held-out espeak-ng voices), rule fixed before its first
run. Question: at the same number of optimizer steps (so the same build time), do twice as many different training
clips (each its own voice, speed, pitch, tract, room and noise draws) generalize better to unseen voices?

* clips: a new seed, 3, that no study has read. Baseline = ``make_kws_dataset(runs/sz-s3-x1, "default", seed=3,
  splits=("train", "val"))`` (400 clips per class, 800 unknown, vocoded copies 0.6, as a build); candidate = the same
  with ``KwsProfile("x2", 800, 60, 0, train_unknown_factor=2.0)`` (runs/sz-s3-x2): the baseline's clips are its first
  half (a clip's bytes depend only on its seed, split, class and index), plus as many new ones; validation identical;
* every run trains on all training voices (espeak, kal_diphone, ked_diphone); baseline at 20 epochs, candidate at 10
  (equal steps); seeds 0, 1, 2 and 3, paired; also scored on the GnuSpeech dev set of seed 5001
  (/work/runs/gs-dev-5001);
* adopt (the default profile's train_per_class 400 -> 800 and the build's teacher and student epochs halved, the
  same steps) if, with gains = candidate - baseline in points: the mean validation gain >= +1.0 AND > 0 in at least
  3 of the 4 seeds AND the mean GnuSpeech-dev gain >= -1.0. Then the default KWS build must still finish in 15
  minutes on the quiet 2-core machine (measured after; if not, undone). Otherwise the profile stays as it is;
* the held-out engine, every test split and the fresh sets stay unread during the study.

Result (/work/runs/sz-results.jsonl, sz-study.sh, sz-study2.sh; 8,082 and 16,141 training clips; candidate -
baseline, points, seeds 0/1/2/3): validation -0.4 / +0.3 / +1.7 / +0.4 (mean +0.5; baseline 0.938 / 0.929 / 0.910 /
0.931), GnuSpeech dev -4.2 / +0.7 / -1.1 / +3.1 (mean -0.4): it fails the validation condition, so the profile stays
at 400 clips per class. At the same steps, twice the draws of the same voices are worth about half a point on unseen
voices: the student's limit is not the number of clips. (The candidate's data was made twice: the first try's folder
was not empty; its runs read no data and are not counted.)
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError

DEV_SEED = 5000  # the dev set's seed: none of the builds' (0..), fresh (1000+) or held-out engine (2000+) seeds
ESPEAK = "espeak"  # the voice name of every espeak-ng clip in :func:`load_clips`
GNUSPEECH = "gnuspeech"  # the voice name of every GnuSpeech clip in :func:`load_clips` (and the engine's name)
PICO = "pico"  # the voice name of every Pico clip in :func:`load_clips` (and the engine's name)
TABLE_ENGINES = (GNUSPEECH, PICO)  # engines that speak a build's training words again (:func:`speak_engine`)


def make_dev_set(out: str | Path, per_class: int = 60, seed: int = DEV_SEED, engine: str = "festival-diphone"
                 ) -> Path:
    """`engine` (festival's diphone voices, gnuspeech or pico) speaking every class under validation conditions (the
    "val" split only)."""
    from ..data.kws_synth import KwsProfile, make_kws_dataset

    if engine not in ("festival-diphone", *TABLE_ENGINES):
        raise DataError(f"no dev set of engine {engine!r}", hint=f"use festival-diphone, {GNUSPEECH} or {PICO}")
    return make_kws_dataset(out, KwsProfile("dev", 0, per_class, 0), seed=seed, splits=("val",),
                            engine=engine, progress=False).out_dir


@dataclass
class Clips:
    x: np.ndarray  # dequantized int8 MFCCs (N, 49, 10), what a build trains on
    y: np.ndarray  # class indices
    split: np.ndarray  # "train" | "val"
    voice: np.ndarray  # "espeak", "gnuspeech", "pico", a festival voice name, or "" (silence)


def load_clips(root: str | Path, splits: tuple[str, ...]) -> Clips:
    """Features of a generated folder's clips of `splits` ("train" and/or "val"; the test split is refused)."""
    from ..data import CLASSES, KwsFrontend
    from ..data.audio import fit_length, read_wav

    if "test" in splits or not set(splits) <= {"train", "val"}:
        raise DataError(f"a dev split reads train/val clips only, not {splits}",
                        hint="the test split is read once, by the build")
    root = Path(root)
    if not (root / "clips.csv").exists():
        raise DataError("not a generated KWS folder (no clips.csv)", where=str(root))
    with open(root / "clips.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] in splits]
    fe = KwsFrontend()
    audio = np.stack([fit_length(read_wav(root / r["path"]), 16000) for r in rows]).astype(np.int16)
    voice = [("" if not r["engine"] else ESPEAK if r["engine"] == "espeak-ng" else r["engine"]
              if r["engine"] in TABLE_ENGINES else r["voice"].split(":")[-1]) for r in rows]
    return Clips(fe.dequantize(fe(audio)), np.array([CLASSES.index(r["label"]) for r in rows]),
                 np.array([r["split"] for r in rows]), np.array(voice))


def run(data_root: str | Path, dev_root: str | Path, train_voices: tuple[str, ...], dev_voices: tuple[str, ...],
        seed: int = 0, epochs: int = 20, fest_weight: int = 1, quick: bool = False, cmn: bool = False,
        dev2_root: str | Path | None = None, dev2_voices: tuple[str, ...] = (GNUSPEECH,), utt_norm: str = "") -> dict:
    """Train the student alone on `data_root`'s training clips of `train_voices` (and silence); accuracy on its
    validation split and on `dev_root`'s clips of `dev_voices` (and silence). `fest_weight`: festival clips
    repeated this many times in training. `cmn`: the student with per-utterance cepstral mean normalization
    (KWTConfig.cmn). `dev2_root`: a second dev set (its clips of `dev2_voices`, "dev2") scored by the same model.
    `utt_norm` (float diagnostics, not a model option): every clip's features normalized per utterance in numpy
    before training and scoring, :func:`utterance_norm`."""
    from ..data import CLASSES
    from . import KWSTrainConfig
    from ._tf import seed_everything
    from .fit import fit
    from .models import Normalization, build_kwt

    overlap = set(train_voices) & (set(dev_voices) | (set(dev2_voices) if dev2_root is not None else set()))
    if overlap:
        raise DataError(f"voices {sorted(overlap)} are in both training and dev", hint="leave them out of training")
    main, dev = load_clips(data_root, ("train", "val")), load_clips(dev_root, ("val",))
    main.x, dev.x = utterance_norm(main.x, utt_norm), utterance_norm(dev.x, utt_norm)
    tr = (main.split == "train") & np.isin(main.voice, [*train_voices, ""])
    xtr, ytr, vtr = main.x[tr], main.y[tr], main.voice[tr]
    fest = ~np.isin(vtr, [ESPEAK, ""])
    xtr = np.concatenate([xtr] + [xtr[fest]] * (fest_weight - 1))
    ytr = np.concatenate([ytr] + [ytr[fest]] * (fest_weight - 1))
    dk = np.isin(dev.voice, [*dev_voices, ""])
    va = main.split == "val"
    norm = Normalization.fit(xtr)
    cfg = KWSTrainConfig.quick() if quick else KWSTrainConfig()
    scfg = dataclasses.replace(cfg.student, frames=xtr.shape[1], feats=xtr.shape[2], classes=len(CLASSES),
                               cmn=cmn or cfg.student.cmn)
    seed_everything(seed + 1)
    model = build_kwt(scfg)
    fit(model, norm.apply(xtr), ytr, None, None, dataclasses.replace(cfg.student_fit, epochs=epochs), seed=seed + 2,
        verbose=False)

    def acc(x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(model.predict(norm.apply(x), verbose=0, batch_size=256).argmax(1) == y))

    out = {"train_voices": sorted(set(vtr.tolist()) - {""}),
           "dev_voices": sorted(set(dev.voice[dk].tolist()) - {""}),
           "n_train": int(len(ytr)), "n_val": int(va.sum()), "n_dev": int(dk.sum()), "seed": seed,
           "val": acc(main.x[va], main.y[va]), "dev": acc(dev.x[dk], dev.y[dk])}
    if scfg.cmn:
        out["cmn"] = True
    if utt_norm:
        out["utt_norm"] = utt_norm
    if dev2_root is not None:
        d2 = load_clips(dev2_root, ("val",))
        d2.x = utterance_norm(d2.x, utt_norm)
        k2 = np.isin(d2.voice, [*dev2_voices, ""])
        out.update(dev2_voices=sorted(set(d2.voice[k2].tolist()) - {""}), n_dev2=int(k2.sum()),
                   dev2=acc(d2.x[k2], d2.y[k2]))
    return out


def utterance_norm(x: np.ndarray, how: str) -> np.ndarray:
    """Per-utterance normalization of features (N, T, F) over the frames (axis 1), each coefficient on its own:
    "" none, "cmn" the mean removed, "cmn-keep-c0" the mean removed from every coefficient but the first (c0, the
    level), "mvn" the mean removed and divided by the standard deviation.

    >>> x = np.array([[[1.0, 2.0], [3.0, 6.0]]])
    >>> utterance_norm(x, "cmn").tolist(), utterance_norm(x, "cmn-keep-c0").tolist()
    ([[[-1.0, -2.0], [1.0, 2.0]]], [[[1.0, -2.0], [3.0, 2.0]]])
    >>> utterance_norm(x, "mvn").tolist()
    [[[-1.0, -1.0], [1.0, 1.0]]]
    """
    if not how:
        return x
    if how not in ("cmn", "cmn-keep-c0", "mvn"):
        raise DataError(f"no utterance normalization {how!r}", hint="use cmn, cmn-keep-c0 or mvn")
    d = x - x.mean(axis=1, keepdims=True)
    if how == "cmn-keep-c0":
        d[..., 0] = x[..., 0]
    if how == "mvn":
        d = d / np.maximum(x.std(axis=1, keepdims=True), 1e-3)
    return d.astype(x.dtype)


def _remake(args: tuple) -> tuple[str, bytes]:
    from ..data.kws_synth import synth_clip

    task, espeak = args
    recipe, pcm = synth_clip(task, espeak)
    return json.dumps(dataclasses.asdict(recipe)), pcm.astype(np.int16).tobytes()


def _read_build(src: Path, out: Path) -> tuple[dict, list[dict]]:
    """A build's dataset.json and the train/val rows of its clips.csv; `out` must be new or empty."""
    info = json.loads((src / "dataset.json").read_text())
    with open(src / "clips.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] in ("train", "val")]
    if out.exists() and any(out.iterdir()):
        raise DataError("output folder is not empty", where=str(out), hint="choose a new folder")
    return info, rows


def _link_clips(rows: list[dict], src: Path, out: Path) -> None:
    """Hard-link these rows' clips from `src` into `out` (the same relative paths)."""
    import os

    for r in rows:
        (out / r["path"]).parent.mkdir(parents=True, exist_ok=True)
        os.link(src / r["path"], out / r["path"])


def _remake_checked(checks: list[tuple[dict, Any]], tasks: list[Any], src: Path, workers: int
                    ) -> list[tuple[str, bytes]]:
    """Clips made by kws_synth in `workers` processes: first the (row, ClipTask) `checks`, each of which must give
    its file's bytes again (so this code is the build's recipe), then `tasks`; returns those (recipe json, pcm)."""
    import multiprocessing

    from ..data.audio import read_wav
    from ..data.espeak import espeak_binary

    espeak = espeak_binary()
    jobs = [(t, espeak) for _, t in checks] + [(t, espeak) for t in tasks]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        made = pool.map(_remake, jobs, chunksize=8)
    for (r, _), (_, pcm) in zip(checks, made):
        if pcm != read_wav(src / r["path"]).astype(np.int16).tobytes():
            raise DataError("a clip made again differs from its file: this code is not the build's recipe",
                            where=str(src / r["path"]), hint="start from a folder made by this version of kws_synth")
    return made[len(checks):]


def vocode(data_root: str | Path, out: str | Path, p: float, voices: tuple[str, ...] = (ESPEAK, "kal_diphone",
           "ked_diphone"), workers: int = 2, check: int = 2, beside: bool = False) -> Path:
    """`data_root`'s train/val clips into `out`, the training words of `voices` that kws_synth's vocoder draw
    picks at probability `p` made again through the vocoder, every other clip hard-linked. `beside`: the picked
    words are kept (hard-linked) and their vocoded remakes are new clips (kws_synth.VOCODER_COPIES:
    ``<tag>_nohash_<n>_voc.wav``), listed after the originals in clips.csv. `check` unpicked clips per engine are
    made again without the vocoder and must equal their files (the recipe is the build's)."""
    from ..data import CLASSES
    from ..data.audio import write_wav
    from ..data.kws_synth import SAMPLE_RATE, ClipTask, clip_index, vocoder_draw

    src, out = Path(data_root), Path(out)
    info, rows = _read_build(src, out)
    if any(r["vocoder"] == "True" for r in rows if "vocoder" in r):
        raise DataError("this folder already holds vocoded clips", where=str(src),
                        hint="vocode a folder made with make_kws_dataset(..., vocoder_copies=0)")

    def task(r: dict, prob: float, tables: tuple = (), copy: bool = False) -> ClipTask:
        return ClipTask("train", CLASSES.index(r["label"]), clip_index(r["path"]), info["seed"],
                        tuple(info["variants"]["train"]), tables=tables, vocoder=prob, copy=copy)

    def voice(r: dict) -> str:
        return ESPEAK if r["engine"] == "espeak-ng" else r["voice"].split(":")[-1]

    words = [r for r in rows if r["split"] == "train" and r["engine"]]
    picked = {r["path"] for r in words if voice(r) in voices and vocoder_draw(task(r, p)) is not None}
    checks = [r for e in sorted({r["engine"] for r in words})
              for r in [w for w in words if w["engine"] == e and w["path"] not in picked][:check]]
    fest = sorted({r["word"] for r in words if r["engine"] != "espeak-ng" and (r["path"] in picked or r in checks)})
    tables: tuple = ()
    if fest:
        from ..data.festival import FestivalTable

        tables = (("festival-diphone", str(FestivalTable.build("festival-diphone", fest,
                                                                out / "festival-diphone.npz").path)),)
    _link_clips([r for r in rows if beside or r["path"] not in picked], src, out)
    made = _remake_checked([(r, task(r, 0.0, tables)) for r in checks],
                           [task(r, 1.0, tables, beside) for r in words if r["path"] in picked], src, workers)
    new = {}
    for recipe, pcm in made:
        rec = json.loads(recipe)
        write_wav(out / rec["path"], np.frombuffer(pcm, np.int16), SAMPLE_RATE)
        new[rec["path"]] = rec
    fields = list(rows[0]) + (["vocoder"] if "vocoder" not in rows[0] else [])
    with open(out / "clips.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "vocoder": r.get("vocoder", False), **({k: new[r["path"]][k] for k in fields}
                                                                    if r["path"] in new and not beside else {})})
        if beside:  # the copies, in the originals' order
            for rec in new.values():
                w.writerow({k: rec[k] for k in fields})
    mode = ({"vocoder_copies_train": p, "vocoder_copies": len(new)} if beside else {"vocoder_probability_train": p})
    (out / "dataset.json").write_text(json.dumps({**info, "vocoded_from": str(src), **mode,
                                                  "vocoded_voices": list(voices), "splits": ["train", "val"]},
                                                 indent=1) + "\n")
    return out


def speak_engine(data_root: str | Path, out: str | Path, p: float, engine: str = GNUSPEECH, workers: int = 2,
                 check: int = 2) -> Path:
    """`data_root`'s train/val clips into `out`, the training words whose engine draw (kws_synth.engine_draw) falls in
    [FESTIVAL_TRAIN_PROBABILITY, + `p`) spoken again by `engine` (gnuspeech or pico; their vocoded copies too): the
    training split of a build with GNUSPEECH_TRAIN_PROBABILITY = `p` (or PICO_TRAIN_PROBABILITY = `p`, GnuSpeech's
    share 0); every other clip hard-linked. `check` unpicked espeak-ng words and as many vocoded copies are made again
    and must equal their files (the recipe is the build's)."""
    from ..data import CLASSES
    from ..data.audio import write_wav
    from ..data.kws_synth import FESTIVAL_TRAIN_PROBABILITY, SAMPLE_RATE, ClipTask, clip_index, engine_draw

    if engine not in TABLE_ENGINES:
        raise DataError(f"no engine {engine!r} to speak training words again", hint=f"use {GNUSPEECH} or {PICO}")
    src, out = Path(data_root), Path(out)
    info, rows = _read_build(src, out)
    if any(r["engine"] in TABLE_ENGINES for r in rows) or any(info.get(f"{e}_train") for e in TABLE_ENGINES):
        raise DataError("this folder already holds GnuSpeech or Pico clips", where=str(src),
                        hint="start from a build made without them (make_kws_dataset(..., gnuspeech=0, pico=0))")
    p_voc = float(info.get("vocoder_probability_train", 0.0))
    shares = {"gnuspeech": p, "pico": 0.0} if engine == GNUSPEECH else {"gnuspeech": 0.0, "pico": p}

    def task(r: dict, tables: tuple = ()) -> ClipTask:
        return ClipTask("train", CLASSES.index(r["label"]), clip_index(r["path"]), info["seed"],
                        tuple(info["variants"]["train"]), tables=tables, vocoder=p_voc,
                        copy=r.get("vocoder") == "True" and r["path"].endswith("_voc.wav"), **shares)

    lo, hi = FESTIVAL_TRAIN_PROBABILITY, FESTIVAL_TRAIN_PROBABILITY + p
    words = [r for r in rows if r["split"] == "train" and r["engine"]]
    picked = {r["path"] for r in words if lo <= engine_draw(task(r)) < hi}  # type: ignore[operator]
    bad = [r["path"] for r in words if r["path"] in picked and r["engine"] != "espeak-ng"]
    if bad:
        raise DataError(f"{len(bad)} picked words are not espeak-ng's (e.g. {bad[0]})", where=str(src),
                        hint="this build's engine draw is not kws_synth's")
    checks = [r for copy in (False, True) for r in [w for w in words if w["engine"] == "espeak-ng" and w["path"]
                                                     not in picked and w["path"].endswith("_voc.wav") == copy][:check]]
    spoken_words = sorted({r["word"] for r in words if r["path"] in picked})
    if engine == GNUSPEECH:
        from ..data.gnuspeech import GnuSpeechTable

        path = GnuSpeechTable.build(spoken_words, out / "gnuspeech.npz").path
    else:
        from ..data.pico import PicoTable

        path = PicoTable.build(spoken_words, out / "pico.npz").path
    tables = ((engine, str(path)),)
    _link_clips([r for r in rows if r["path"] not in picked], src, out)
    spoken = [r for r in words if r["path"] in picked]
    made = _remake_checked([(r, task(r, tables)) for r in checks], [task(r, tables) for r in spoken], src, workers)
    new = {}
    for r, (recipe, pcm) in zip(spoken, made):
        rec = json.loads(recipe)
        if rec["engine"] != engine:
            raise DataError(f"{r['path']} was not spoken by {engine} when made again", where=str(src))
        write_wav(out / rec["path"], np.frombuffer(pcm, np.int16), SAMPLE_RATE)
        new[r["path"]] = rec
    fields = list(rows[0])
    with open(out / "clips.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, **({k: new[r["path"]][k] for k in fields} if r["path"] in new else {})})
    (out / "dataset.json").write_text(json.dumps({**info, f"{engine}_from": str(src), f"{engine}_train": p,
                                                  f"{engine}_words": len(new), "splits": ["train", "val"]},
                                                 indent=1) + "\n")
    return out


def engine_copies(data_root: str | Path, out: str | Path, p: float, engine: str = PICO, workers: int = 2,
                  check: int = 2) -> Path:
    """`data_root`'s train/val clips into `out` (hard-linked), plus a copy of each original training word that
    kws_synth's engine-copy draw picks at probability `p`, spoken by `engine` (pico), as new clips
    ``<tag>_nohash_<n>_pico.wav`` listed after the originals: the training split of a build with PICO_COPIES = `p`.
    `check` espeak-ng words and as many vocoded copies are made again and must equal their files."""
    from ..data import CLASSES
    from ..data.audio import write_wav
    from ..data.kws_synth import SAMPLE_RATE, ClipTask, clip_index, engine_copy_picked

    if engine != PICO:
        raise DataError(f"no copies by engine {engine!r}", hint=f"use {PICO}")
    src, out = Path(data_root), Path(out)
    info, rows = _read_build(src, out)
    if any(r["engine"] in TABLE_ENGINES for r in rows) or any(info.get(f"{e}_train") for e in TABLE_ENGINES) \
            or info.get("pico_copies_train"):
        raise DataError("this folder already holds GnuSpeech or Pico clips", where=str(src),
                        hint="start from a build made without them")
    p_voc = float(info.get("vocoder_probability_train", 0.0))

    def task(r: dict, tables: tuple = (), copy_engine: str = "") -> ClipTask:
        return ClipTask("train", CLASSES.index(r["label"]), clip_index(r["path"]), info["seed"],
                        tuple(info["variants"]["train"]), tables=tables, vocoder=p_voc,
                        copy=r.get("vocoder") == "True" and r["path"].endswith("_voc.wav"), copy_engine=copy_engine)

    words = [r for r in rows if r["split"] == "train" and r["engine"]]
    picked = [r for r in words if engine_copy_picked(task(r), p)]
    if any(r["engine"] != "espeak-ng" and r["engine"] != "festival-diphone" for r in picked):
        raise DataError("a picked word is spoken by an engine this build should not have", where=str(src))
    checks = [r for copy in (False, True) for r in [w for w in words if w["engine"] == "espeak-ng"
                                                     and w["path"].endswith("_voc.wav") == copy][:check]]
    from ..data.pico import PicoTable

    table = PicoTable.build(sorted({r["word"] for r in picked}), out / "pico.npz")
    tables = ((PICO, str(table.path)),)
    if any(r["engine"] == "festival-diphone" for r in words):
        # synth_clip draws a training word's engine only where a training table is given, as the build's festival
        # table was; no clip made here reads it (the checks are espeak-ng's, the copies Pico's), so it holds only
        # the checks' words
        from ..data.festival import FestivalTable

        fest = FestivalTable.build("festival-diphone", sorted({r["word"] for r in checks}), out / "festival.npz")
        tables = tuple(sorted((*tables, ("festival-diphone", str(fest.path)))))
    _link_clips(rows, src, out)
    made = _remake_checked([(r, task(r, tables)) for r in checks], [task(r, tables, PICO) for r in picked], src,
                           workers)
    new = []
    for r, (recipe, pcm) in zip(picked, made):
        rec = json.loads(recipe)
        if rec["engine"] != PICO or not rec["path"].endswith(f"_{PICO}.wav"):
            raise DataError(f"{r['path']}'s copy was not spoken by {PICO}", where=str(src))
        write_wav(out / rec["path"], np.frombuffer(pcm, np.int16), SAMPLE_RATE)
        new.append(rec)
    fields = list(rows[0])
    with open(out / "clips.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)
        for rec in new:
            w.writerow({k: rec.get(k, "") for k in fields})
    (out / "dataset.json").write_text(json.dumps({**info, "pico_copies_from": str(src), "pico_copies_train": p,
                                                  "pico_copies": len(new), "splits": ["train", "val"]},
                                                 indent=1) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m tinyslm.train.kws_shift", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-dev", help="generate the festival-diphone dev set (validation conditions)")
    m.add_argument("out")
    m.add_argument("--per-class", type=int, default=60)
    m.add_argument("--engine", default="festival-diphone", help=f"festival-diphone, {GNUSPEECH} or {PICO}")
    m.add_argument("--seed", type=int, default=DEV_SEED, help="the dev set's dataset seed")
    r = sub.add_parser("run", help="train the student alone; validation and dev accuracy")
    r.add_argument("data_root", help="a generated KWS folder (a build's data/speech)")
    r.add_argument("dev_root", help="a folder from make-dev")
    r.add_argument("--train-voices", default=ESPEAK, help="comma list: espeak, kal_diphone, ked_diphone, gnuspeech, pico")
    r.add_argument("--dev-voices", default="kal_diphone,ked_diphone")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--epochs", type=int, default=20)
    r.add_argument("--fest-weight", type=int, default=1)
    r.add_argument("--cmn", action="store_true", help="the student with per-utterance cepstral mean normalization")
    r.add_argument("--dev2", default=None, help="a second folder from make-dev, scored by the same model")
    r.add_argument("--dev2-voices", default=GNUSPEECH)
    r.add_argument("--utt-norm", default="", help="float diagnostic: cmn, cmn-keep-c0 or mvn in numpy (not a model op)")
    v = sub.add_parser("vocode", help="a build's train/val clips, training words through the vocoder at --p")
    v.add_argument("data_root")
    v.add_argument("out")
    v.add_argument("--p", type=float, required=True)
    v.add_argument("--voices", default=f"{ESPEAK},kal_diphone,ked_diphone")
    v.add_argument("--beside", action="store_true", help="keep the clean words; the vocoded remakes are new clips")
    for name, who in ((GNUSPEECH, "GnuSpeech"), (PICO, "Pico")):
        g = sub.add_parser(name, help=f"a build's train/val clips, {who}'s share --p of the training words spoken by it")
        g.add_argument("data_root")
        g.add_argument("out")
        g.add_argument("--p", type=float, required=True)
    c = sub.add_parser("copies", help="a build's train/val clips plus Pico copies of the training words at --p")
    c.add_argument("data_root")
    c.add_argument("out")
    c.add_argument("--p", type=float, required=True)
    a = p.parse_args(argv)
    if a.cmd == "make-dev":
        print(make_dev_set(a.out, a.per_class, seed=a.seed, engine=a.engine))
        return
    if a.cmd == "copies":
        print(engine_copies(a.data_root, a.out, a.p))
        return
    if a.cmd in TABLE_ENGINES:
        print(speak_engine(a.data_root, a.out, a.p, a.cmd))
        return
    if a.cmd == "vocode":
        print(vocode(a.data_root, a.out, a.p, tuple(a.voices.split(",")), beside=a.beside))
        return
    print(json.dumps(run(a.data_root, a.dev_root, tuple(a.train_voices.split(",")), tuple(a.dev_voices.split(",")),
                         a.seed, a.epochs, a.fest_weight, cmn=a.cmn, dev2_root=a.dev2,
                         dev2_voices=tuple(a.dev2_voices.split(",")), utt_norm=a.utt_norm)))


if __name__ == "__main__":
    main()
