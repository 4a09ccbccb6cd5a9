"""`tinyslm tune lm --board B`: the language model's search (space, shared teacher, trial, cost).

The driver, Ray, ASHA, the front and the page are :mod:`.run`'s and :mod:`.results`' (the same as for kws and
anomaly); this module holds what differs for the LM task (``tinyslm.train.lm*``, which it only calls):

- a point is ``dim, heads, layers, mlp_ratio, sparsity`` (magnitude pruning of the Dense kernels, as the
  build prunes); the context (the KV cache's rows) and the character vocabulary are the build's;
- **quality** is the validation split's bits per character of the trial's **int8 step model** (TFLM, the
  bit-exact oracle of the device), on the first ``int8_docs`` validation documents: *lower is better*, so
  the front minimises it and ASHA runs in ``mode="min"`` on the float student's validation bpc per epoch.
  The trials receive the training and validation encodings only (:class:`LmJob`): the test split is never
  encoded;
- the **teacher** is trained once per search exactly as ``tinyslm build lm`` trains its own (same seed,
  configuration, data and order: :func:`train_teacher`); its weights travel with every trial, which distils
  from it exactly as the build distils (same initial weights, batches, alpha, temperature, pruning);
- **cost**: flash and RAM from the compiler's plan of the int8 step model, charged as the LM firmware's fit
  check charges them (arena + the model's I/O buffers, which hold the KV cache, + stack + app; weights +
  the code estimate), and instructions per generated token (one step of the model) estimated from the plan
  with :mod:`.cost`'s per-operator model, then measured in QEMU for the front (the bench runtime's invoke of
  the step model; the firmware's sampler and cache writes are not in it).

``tinyslm build [lm] --from-tune DIR --pick N`` builds a point of the front as ``tinyslm build lm`` builds its
own student (``train_lm``: the same teacher, distillation and pruning as the trial, plus the student alone for
the report), with the point's student and sparsity in place of the sizing rule's, then compares the int8 step
model, validation bits per character and memory with the point's (:func:`tinyslm.tune.build.compare`).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import TinyslmError

Say = Callable[[str], None]
UNFIT_BPC = 100.0  # what a point that does not fit reports (above any bits per character of a byte vocabulary)
QUALITY_METRIC = "bits per character on the validation split (int8 step model, TFLM; lower is better)"
COST_UNIT = "instructions per generated token (one step of the int8 step model)"


# ----------------------------------------------------------------- the space
@dataclass(frozen=True)
class LmSpace:
    dims: tuple[int, ...]
    heads: tuple[int, ...]
    layers: tuple[int, ...]
    mlp_ratios: tuple[float, ...]
    sparsities: tuple[float, ...]

    def ray(self) -> dict[str, Any]:
        from ray import tune

        return {"dim": tune.choice(list(self.dims)), "heads": tune.choice(list(self.heads)),
                "layers": tune.choice(list(self.layers)), "mlp_ratio": tune.choice(list(self.mlp_ratios)),
                "sparsity": tune.choice(list(self.sparsities))}

    def points(self) -> list[dict[str, Any]]:
        axes = {"dim": self.dims, "heads": self.heads, "layers": self.layers, "mlp_ratio": self.mlp_ratios,
                "sparsity": self.sparsities[:1]}
        return [dict(zip(axes, v)) for v in itertools.product(*axes.values())]


# the default build's candidates (tinyslm.train.lm_task.CANDIDATES) are points of the default space
SPACES: dict[str, LmSpace] = {
    "default": LmSpace(dims=(24, 32, 48, 64), heads=(1, 2, 4), layers=(1, 2, 3), mlp_ratios=(1.0, 2.0, 3.0, 4.0),
                       sparsities=(0.0, 0.25, 0.5)),
    "quick": LmSpace(dims=(8, 16, 24, 32), heads=(1, 2), layers=(1, 2), mlp_ratios=(2.0, 3.0),
                     sparsities=(0.0, 0.25)),
}


def space_for(quick: bool) -> LmSpace:
    return SPACES["quick" if quick else "default"]


def train_config(quick: bool) -> Any:
    """The build's training profile (``tinyslm build lm`` and ``--quick``), the point's student aside."""
    from ..train.lm import LmTrainConfig

    return LmTrainConfig.quick() if quick else LmTrainConfig()


def _heads(dim: int, heads: int) -> int:
    """The largest head count <= `heads` dividing `dim` with at least 4 features per head (1 at worst)."""
    for h in range(min(heads, max(1, dim // 4)), 0, -1):
        if dim % h == 0:
            return h
    return 1


def student_of(point: dict[str, Any], vocab: int, context: int) -> Any:
    from ..train.lm_models import LmConfig

    dim = int(point["dim"])
    mlp = max(8, round(dim * float(point["mlp_ratio"])))
    return LmConfig(vocab, dim=dim, layers=int(point["layers"]), heads=_heads(dim, int(point["heads"])), mlp=mlp,
                    context=context)


def point_of_student(student: tuple[int, int, int, int], sparsity: float) -> dict[str, Any]:
    """The point of a (dim, layers, heads, mlp) student (lm_task's sizing result)."""
    dim, layers, heads, mlp = (int(v) for v in student)
    return {"dim": dim, "heads": heads, "layers": layers, "mlp_ratio": round(mlp / dim, 4), "sparsity": sparsity}


def cheaper_neighbours(point: dict[str, Any], space: LmSpace) -> list[dict[str, Any]]:
    """The point with one axis a step towards fewer instructions per token: a smaller MLP (2 x d x mlp MACs per
    layer), fewer heads (fewer softmaxes over the cache), one layer less.

    >>> p = {"dim": 64, "heads": 4, "layers": 2, "mlp_ratio": 3.0, "sparsity": 0.25}
    >>> [{k: v for k, v in q.items() if p[k] != v} for q in cheaper_neighbours(p, SPACES["default"])]
    [{'mlp_ratio': 2.0}, {'heads': 2}, {'layers': 1}]
    """
    out = []
    for axis, values in (("mlp_ratio", space.mlp_ratios), ("heads", space.heads), ("layers", space.layers)):
        lower = [x for x in values if x < point[axis]]
        if lower:
            out.append({**point, axis: max(lower)})
    return out


def describe(point: dict[str, Any], quick: bool = False) -> str:
    dim = int(point["dim"])
    mlp = max(8, round(dim * float(point["mlp_ratio"])))
    return (f"decoder d={dim}, {int(point['layers'])} layers, {_heads(dim, int(point['heads']))} heads, mlp {mlp}, "
            f"sparsity {float(point['sparsity']):.2f}")


# ----------------------------------------------------------------- what a trial gets
@dataclass
class LmJob:
    """Everything a trial needs, through Ray's object store: the training and validation encodings only."""

    quick: bool
    seed: int
    board: str
    threads: int
    vocab: int
    context: int
    arrays: dict[str, np.ndarray]  # train_seqs, train_lengths, val_seqs, val_lengths (never the test split)
    teacher: dict = field(default_factory=dict)  # the teacher's LmConfig fields
    teacher_weights: list[np.ndarray] = field(default_factory=list)
    task: str = "lm"

    def max_step(self) -> int:
        cfg = train_config(self.quick)
        return cfg.student_epochs + cfg.prune_epochs + 1

    def encoded(self, split: str) -> Any:
        from ..train.lm import Encoded

        return Encoded(self.arrays[f"{split}_seqs"], self.arrays[f"{split}_lengths"])


# ----------------------------------------------------------------- the driver's steps
def _corpus(s: Any, steps: Any) -> Any:
    """The build's data step (same key as ``tinyslm build lm``): the generated corpus or --data."""
    import json

    from ..data.lm_corpus import load_lm_corpus, make_lm_corpus

    def make(folder: Path) -> dict:
        if s.data is not None:
            c = load_lm_corpus(Path(s.data))
            return {"path": str(Path(s.data).resolve()), "source": c.source,
                    "documents": {k: len(v) for k, v in c.docs.items()}}
        r = make_lm_corpus(folder / "corpus", s.profile, s.seed, overwrite=True)
        return {"path": str(r.out_dir), "source": json.loads((r.out_dir / "dataset.json").read_text())["source"],
                "documents": r.counts}

    base = {"task": "lm", "profile": s.profile, "seed": s.seed}
    data = steps.run("data", {**base, "data": str(s.data)}, make)
    return load_lm_corpus(Path(data["path"]))


def encode(corpus: Any, quick: bool) -> tuple[Any, int, int, dict[str, np.ndarray]]:
    """Tokenizer, padded vocabulary, context and the train/val encodings, as ``train_lm`` makes them."""
    from ..data.tokenizer import CharTokenizer
    from ..train.lm import encode_docs, padded_vocab, student_config

    cfg = train_config(quick)
    tok = CharTokenizer.fit(corpus.docs["train"])
    vocab = padded_vocab(tok)
    context = (cfg.student or student_config(vocab, quick)).context
    arrays = {}
    for split, docs in (("train", corpus.docs["train"][: cfg.train_docs]), ("val", corpus.docs["val"])):
        e = encode_docs(tok, docs, context, f"{split} split")
        arrays[f"{split}_seqs"], arrays[f"{split}_lengths"] = e.seqs, e.lengths
    return tok, vocab, context, arrays


def train_teacher(quick: bool, seed: int, vocab: int, context: int, arrays: dict[str, np.ndarray], folder: Path,
                  say: Say) -> dict:
    """The search's one teacher, as ``train_lm`` trains the build's (seed + 1000, its config, data and order)."""
    from ..train._tf import seed_everything
    from ..train.lm import Encoded, bpc, fit_lm
    from ..train.lm_models import LmConfig, build_lm

    cfg = train_config(quick)
    train = Encoded(arrays["train_seqs"], arrays["train_lengths"])
    val = Encoded(arrays["val_seqs"], arrays["val_lengths"])
    seed_everything(seed + 1000)
    tcfg = LmConfig(vocab, cfg.teacher_dim, cfg.teacher_layers, 4, cfg.teacher_mlp, context)
    teacher = build_lm(tcfg, "teacher")
    say(f"[teacher] {tcfg.describe()}, {teacher.count_params():,d} params")
    fit_lm(teacher, train, val, cfg.teacher_epochs, cfg.teacher_lr, cfg.batch_size, seed + 1000,
           say=lambda line: None, label="teacher")
    np.savez(folder / "weights.npz", *teacher.get_weights())
    q = bpc(teacher, val)
    say(f"[teacher] validation {q:.4f} bits per character")
    return {"describe": tcfg.describe(), "config": dataclasses.asdict(tcfg), "quality_val": float(q),
            "params": int(teacher.count_params())}


def baseline_point(s: Any, steps: Any, vocab: int, board: Any, say: Say) -> dict | None:
    """The student ``tinyslm build lm`` picks for this board (lm_task.size_student), with the build's pruning."""
    from ..train.lm_task import size_student

    def sizing(folder: Path) -> dict:
        chosen, rows = size_student(vocab, board, s.quick)
        (folder / "sizing.txt").write_text("\n".join(rows) + "\n")
        return {"student": list(chosen), "table": "\n".join(rows)}

    try:
        sz = steps.run("sizing", {"board": s.board, "profile": s.profile, "vocab": vocab}, sizing)
    except TinyslmError as e:
        say(f"[sizing] the default build has no student for {s.board} ({e.what}); the search starts without it")
        return None
    return point_of_student(tuple(sz["student"]), train_config(s.quick).sparsity)


def random_step_model(scfg: Any, arrays: dict[str, np.ndarray], seed: int = 0) -> bytes:
    """The int8 step model of `scfg` with random weights (for the fit checks before training)."""
    from ..train._tf import keras, seed_everything
    from ..train.lm_models import StepWeights, build_lm
    from ..train.lm_quant import calibration_states, convert_step

    seed_everything(seed)
    model = build_lm(scfg, "probe")
    states = calibration_states(model, scfg, arrays["train_seqs"], arrays["train_lengths"], 8, seed)
    out = convert_step(StepWeights.from_model(model, scfg), states)
    keras.backend.clear_session()
    return out


def check_smallest(s: Any, vocab: int, context: int, arrays: dict[str, np.ndarray], say: Say, board: Any) -> None:
    """Refuse a board that not even the smallest point of the space fits, before any training."""
    from .cost import need_of

    pts = space_for(s.quick).points()
    def size(p: dict) -> int:
        c = student_of(p, vocab, context)
        return c.cache_bytes() + c.params()

    smallest = min(pts, key=size)
    scfg = student_of(smallest, vocab, context)
    if _clearly_fits(scfg, board):  # room to spare on a rough estimate: each trial's plan is checked exactly
        say(f"[space] smallest point {describe(smallest)}: fits {board.name} with room to spare (estimate)")
        return
    need = need_of(random_step_model(scfg, arrays, s.seed), board)
    if not need.fits:
        raise TinyslmError(f"no point of the search space fits {board.name}: even the smallest, "
                           f"{describe(smallest)}, needs {need.why()} (its KV cache alone "
                           f"{scfg.cache_bytes():,d} B)",
                           where=board.name, hint="choose a board with more memory (tinyslm boards)")
    say(f"[space] smallest point {describe(smallest)}: RAM {need.ram_bytes:,d} B, flash {need.flash_bytes:,d} B: "
        f"fits {board.name}")


def prepare(s: Any, steps: Any, board: Any, say: Say) -> tuple[LmJob, dict | None, dict]:
    """Data, the fit check, the default build's student and the teacher; returns (job, baseline, teacher)."""
    corpus = _corpus(s, steps)
    _, vocab, context, arrays = encode(corpus, s.quick)
    del corpus  # the trials get the encodings of train and val; the test split is never encoded
    say(f"[data] vocabulary {vocab} (padded), context {context}; train {len(arrays['train_lengths'])} documents, "
        f"validation {len(arrays['val_lengths'])}")
    check_smallest(s, vocab, context, arrays, say, board)
    baseline = baseline_point(s, steps, vocab, board, say)
    teacher = steps.run("teacher", {"task": "lm", "profile": s.profile, "seed": s.seed},
                        lambda d: train_teacher(s.quick, s.seed, vocab, context, arrays, d, say))
    from .run import teacher_weights

    job = LmJob(quick=s.quick, seed=s.seed, board=s.board, threads=s.cpus_per_trial, vocab=vocab, context=context,
                arrays=arrays, teacher=teacher["config"], teacher_weights=teacher_weights(s.out / "teacher"))
    return job, baseline, teacher


def tune_fields(s: Any) -> dict:
    """What tune.json says of an LM search beyond the common fields."""
    cfg = train_config(s.quick)
    return {"quality_lower_is_better": True, "cost_unit": COST_UNIT,
            "quality_docs": f"the first {cfg.int8_docs} validation documents through the int8 step model (TFLM)",
            "memory_note": "RAM = arena + the model's I/O buffers (the KV cache is its inputs) + stack + app, as "
                           "the LM firmware's fit check charges it; flash = int8 weights + the code estimate",
            "from_tune": "tinyslm build lm --from-tune DIR --pick N: the point built as tinyslm build lm builds "
                         "(train_lm with the point's student and sparsity), its step model and validation bits per "
                         "character compared with the trial's"}


# ----------------------------------------------------------------- one trial
_EPOCH = re.compile(r"epoch (\d+)/(\d+): .*val ([-+0-9.eEnaif]+) bpc")


class _EpochReports:
    """fit_lm's per-epoch line (``... epoch e/E: train x bpc, val y bpc``) as a Ray Tune report for ASHA."""

    def __init__(self, report: Callable[[dict], None]):
        self.report, self.step, self.count = report, 0, 0

    def __call__(self, line: str) -> None:
        m = _EPOCH.search(line)
        if m is None:
            return
        self.step += 1
        self.count += 1
        self.report({"step": self.step, "quality": float(m.group(3)), "final": False, "fits": True})


def int8_val_bpc(model: bytes, scfg: Any, val: Any, docs: int) -> tuple[float, int]:
    """Bits per character of the int8 step model (TFLM) on the first `docs` validation documents."""
    from ..train.lm import Encoded
    from ..train.lm_quant import Int8Decoder

    n = min(docs, len(val))
    sub = Encoded(val.seqs[:n], val.lengths[:n])
    dec = Int8Decoder(model, scfg)
    bits = sum(dec.doc_bits(sub.seqs[j, : sub.lengths[j]]) for j in range(n))
    return bits / sub.chars, n


def _clearly_fits(scfg: Any, board: Any, margin: float = 1.5) -> bool:
    """Whether a rough estimate (weights + biases; KV cache + one-hots + logits + a 4 KB arena) fits with room."""
    from ..firmware import APP_STATIC_RAM, CODE_ESTIMATE

    weights = scfg.params() + 12 * (scfg.dim * 6 + scfg.mlp) * scfg.layers
    ram = scfg.cache_bytes() + 2 * scfg.context + 2 * scfg.vocab + 4096
    return (margin * ram + board.stack_bytes + APP_STATIC_RAM <= board.memory.ram_bytes
            and margin * weights + CODE_ESTIMATE <= board.memory.flash_bytes)


def run_lm_trial(config: dict[str, Any], job: LmJob) -> None:
    """Ray Tune's function trainable for an LM point."""
    os.environ["TINYSLM_TF_THREADS"] = str(job.threads)
    import json

    from ray import tune

    from ..boards import get_board
    from ..train._tf import keras, seed_everything
    from ..train.lm import bpc, dense_sparsity, fit_lm
    from ..train.lm_models import LmConfig, StepWeights, build_lm
    from ..train.lm_quant import calibration_states, convert_step
    from .cost import need_of
    from .trial import _flat

    t0 = time.time()
    board = get_board(job.board)
    point = dict(config)
    cfg = train_config(job.quick)
    scfg = student_of(point, job.vocab, job.context)
    base = {"describe": describe(point), "student": scfg.to_dict(), "kv_cache_bytes": scfg.cache_bytes()}
    if not _clearly_fits(scfg, board):
        pre = need_of(random_step_model(scfg, job.arrays, job.seed), board)
        if not pre.fits:
            tune.report({"step": job.max_step(), "quality": UNFIT_BPC, "final": True, "fits": False,
                         "why": pre.why(), **base, **_flat(pre.to_dict()), "seconds": time.time() - t0})
            return
    train, val = job.encoded("train"), job.encoded("val")
    teacher = build_lm(LmConfig(**job.teacher), "teacher")
    teacher.set_weights(job.teacher_weights)
    teacher.trainable = False
    reports = _EpochReports(tune.report)
    # as train_lm distils: the student's initial weights from the seed, the batches from the seed
    seed_everything(job.seed)
    student = build_lm(scfg, "student")
    fit_lm(student, train, val, cfg.student_epochs, cfg.lr, cfg.batch_size, job.seed, teacher=teacher,
           alpha=cfg.alpha, temperature=cfg.temperature, say=reports, label="distilled")
    sparsity = float(point["sparsity"])
    if sparsity > 0 and cfg.prune_epochs > 0:
        fit_lm(student, train, val, cfg.prune_epochs, cfg.lr / 4, cfg.batch_size, job.seed + 1, teacher=teacher,
               alpha=cfg.alpha, temperature=cfg.temperature, prune=sparsity, say=reports, label="pruning")
    float_val = bpc(student, val)
    states = calibration_states(student, scfg, train.seqs, train.lengths, cfg.calib, job.seed)
    model = convert_step(StepWeights.from_model(student, scfg), states)
    quality, docs = int8_val_bpc(model, scfg, val, cfg.int8_docs)
    need = need_of(model, board)
    metrics = {"step": job.max_step(), "quality": float(quality), "final": True, "fits": need.fits,
               "why": need.why(), **base, **_flat(need.to_dict()), "params": int(student.count_params()),
               "int8_sparsity": dense_sparsity(student), "epoch_reports": reports.count,
               "stages": {"float_val_bpc": float(float_val), "int8_val_bpc": float(quality), "int8_val_docs": docs},
               "seconds": time.time() - t0}
    keras.backend.clear_session()
    with tempfile.TemporaryDirectory(prefix="tinyslm-trial-") as tmp:
        d = Path(tmp)
        (d / "model.tflite").write_bytes(model)
        (d / "trial.json").write_text(json.dumps({"point": point, "metrics": metrics}, indent=1, default=float))
        tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(str(d)))
