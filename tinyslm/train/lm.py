"""Train the language-model task: float teacher, tiny student alone and distilled (paired), pruning,
int8 post-training quantization of the one-token step model, bits per character of every stage.

Paired comparison: the student alone and the distilled student start from the same initial
weights and see the same batches in the same order (both drawn from the seed); only the loss
differs::

    loss = (1 - alpha) * CE(next char) + alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T))

averaged over the real (unpadded) positions; the teacher's logits of the training set are computed once
(:class:`TeacherLogits`), not per step. Batches are documents of similar length (sorted within
groups of 16 batches, then the batches shuffled), padded to the longest.

Bits per character count every character of a document and its end-of-document symbol, the unit
of the source's entropy rate (``tinyslm.data.lm_grammar``).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..data.lm_corpus import LmCorpus
from ..data.tokenizer import CharTokenizer
from ._tf import keras, seed_everything, tf
from .lm_models import LmConfig, StepWeights, build_lm

LN2 = math.log(2.0)


@dataclass(frozen=True)
class LmTrainConfig:
    student: LmConfig | None = None  # None: d=64, 2 layers, 4 heads, MLP 192 with the corpus's vocabulary
    teacher_dim: int = 128
    teacher_layers: int = 3
    teacher_mlp: int = 512
    teacher_epochs: int = 3
    student_epochs: int = 4
    prune_epochs: int = 1
    sparsity: float = 0.25  # magnitude pruning of the student's Dense kernels
    batch_size: int = 32
    lr: float = 3e-3
    teacher_lr: float = 2e-3
    alpha: float = 0.5
    temperature: float = 1.0  # alpha 0.5, T=1: chosen on dev-corpus validation by tinyslm.train.lm_study (LM.md)
    attn_beta: float = 0.0  # attention-map distillation of the distilled phase (fit_lm's attn_beta)
    train_docs: int | None = None  # use only the first N training documents
    calib: int = 256  # calibration states for int8 conversion
    int8_docs: int = 100  # test documents decoded with the int8 step model in TFLM

    @classmethod
    def quick(cls) -> "LmTrainConfig":
        return cls(teacher_dim=48, teacher_layers=2, teacher_mlp=128, teacher_epochs=1, student_epochs=1,
                   prune_epochs=1, train_docs=1000, calib=32, int8_docs=10, student=None)


def student_config(vocab: int, quick: bool = False) -> LmConfig:
    return LmConfig(vocab, dim=32 if quick else 64, layers=2, heads=4 if not quick else 2, mlp=96 if quick else 192)


# ---------------------------------------------------------------- data
def padded_vocab(tok: CharTokenizer) -> int:
    """The tokenizer's ids rounded up to a multiple of 8 (so every step-model input keeps 8-byte alignment
    back to back in the firmware's input buffer); the extra ids never occur."""
    return -(-tok.vocab_size // 8) * 8


@dataclass
class Encoded:
    seqs: np.ndarray  # int32 (N, context + 1): EOS, chars..., EOS, padding (0)
    lengths: np.ndarray  # predicted positions per row: chars + 1

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def chars(self) -> int:
        return int(self.lengths.sum())


def encode_docs(tok: CharTokenizer, docs: list[str], context: int, where: str = "corpus") -> Encoded:
    """One row per document; documents longer than context - 1 characters are cut into pieces."""
    rows, lengths = [], []
    for d in docs:
        ids = tok.encode(d, where)
        for start in range(0, max(len(ids), 1), context - 1):
            piece = ids[start : start + context - 1]
            row = np.zeros(context + 1, np.int32)
            row[1 : 1 + len(piece)] = piece
            rows.append(row)
            lengths.append(len(piece) + 1)
    return Encoded(np.stack(rows), np.array(lengths, np.int32))


def batches(enc: Encoded, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Index batches of similar lengths, in a random order."""
    order = rng.permutation(len(enc))
    group = batch * 16
    out = []
    for g in range(0, len(order), group):
        idx = order[g : g + group]
        idx = idx[np.argsort(enc.lengths[idx], kind="stable")]
        out += [idx[i : i + batch] for i in range(0, len(idx), batch)]
    return [out[i] for i in rng.permutation(len(out))]


def _batch_arrays(enc: Encoded, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = int(enc.lengths[idx].max())
    s = enc.seqs[idx, : t + 1]
    w = (np.arange(t)[None] < enc.lengths[idx][:, None]).astype(np.float32)
    return s[:, :-1], s[:, 1:], w


# ---------------------------------------------------------------- training loop
@dataclass
class FitLog:
    loss: list[float] = field(default_factory=list)  # per epoch, training
    val_bpc: list[float] = field(default_factory=list)
    seconds: float = 0.0


class _Pruner:
    """Gradual magnitude pruning of Dense kernels (cubic schedule to the target, 8 mask updates)."""

    def __init__(self, model: keras.Model, target: float, total_steps: int):
        self.pairs = [(layer.kernel, tf.Variable(tf.ones_like(layer.kernel), trainable=False))
                      for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        self.target, self.total = target, max(1, total_steps)
        self.updates = sorted({int(self.total * 0.7 * k / 8) for k in range(1, 9)})

    def maybe_update(self, step: int) -> None:
        if step not in self.updates:
            return
        frac = min(1.0, step / (self.total * 0.7))
        s = self.target * (1 - (1 - frac) ** 3)
        for var, mask in self.pairs:
            w = np.abs(var.numpy())
            k = int(s * w.size)
            m = np.ones_like(w)
            if k:
                m.reshape(-1)[np.argsort(w.reshape(-1), kind="stable")[:k]] = 0.0
            mask.assign(m)
            var.assign(var * m)

    def apply(self) -> None:
        for var, mask in self.pairs:
            var.assign(var * mask)


@dataclass
class TeacherLogits:
    """The teacher's logits at every real position of every row of an :class:`Encoded` set, computed once
    (one forward pass) and gathered per batch: distillation then costs no teacher pass per step, per epoch
    or per student. The model is causal and works per position, so a row's logits do not depend on the
    other rows of its batch or on its padding."""

    flat: np.ndarray  # float32 (chars, V): row r's positions at start[r] .. start[r] + lengths[r]
    start: np.ndarray  # int64 (rows,)
    lengths: np.ndarray  # int32 (rows,)

    @classmethod
    def compute(cls, teacher: keras.Model, enc: Encoded, batch: int = 64) -> TeacherLogits:
        fwd = tf.function(lambda x: teacher(x, training=False),
                          input_signature=[tf.TensorSpec((None, None), tf.int32)])
        start = np.concatenate([[0], np.cumsum(enc.lengths, dtype=np.int64)[:-1]]).astype(np.int64)
        flat = None
        for i in range(0, len(enc), batch):
            idx = np.arange(i, min(i + batch, len(enc)))
            x, _, _ = _batch_arrays(enc, idx)
            out = fwd(x).numpy()
            if flat is None:
                flat = np.zeros((enc.chars, out.shape[-1]), np.float32)
            for j, r in enumerate(idx):
                flat[start[r] : start[r] + enc.lengths[r]] = out[j, : enc.lengths[r]]
        return cls(flat, start, enc.lengths.copy())

    def batch(self, idx: np.ndarray, t: int) -> np.ndarray:
        """(B, t, V) logits of rows idx, zero at padded positions (their weight is 0)."""
        out = np.zeros((len(idx), t, self.flat.shape[1]), np.float32)
        for j, r in enumerate(idx):
            out[j, : self.lengths[r]] = self.flat[self.start[r] : self.start[r] + self.lengths[r]]
        return out


def attention_layer_map(student_layers: int, teacher_layers: int) -> list[tuple[int, int]]:
    """(student block, teacher block) pairs whose attention maps are matched: the first with the first, the
    last with the last, the rest evenly in between."""
    if student_layers == 1:
        return [(0, teacher_layers - 1)]
    return [(i, round(i * (teacher_layers - 1) / (student_layers - 1))) for i in range(student_layers)]


def attention_probe(model: keras.Model, blocks: list[int]) -> keras.Model:
    """The model's logits plus, for each block in `blocks`, its query and key heads (B, H, T, Dh): the same
    weights, so training the probe trains the model."""
    outs = [model.output]
    for i in blocks:
        outs += [model.get_layer(f"b{i}_qh").output, model.get_layer(f"b{i}_kh").output]
    return keras.Model(model.input, outs)


def attention_log_probs(q, k):
    """Causal attention log-probabilities (B, H, T, T) from query and key heads, as CausalAttention weighs."""
    t = tf.shape(q)[2]
    scores = tf.matmul(q, k, transpose_b=True) * (1.0 / math.sqrt(int(q.shape[-1])))
    allowed = tf.linalg.band_part(tf.ones((t, t)), -1, 0)
    return tf.nn.log_softmax(scores + (allowed - 1.0) * 1e9, axis=-1), allowed


def attention_kl(t_logp, s_logp, allowed, w):
    """KL(teacher's attention row || student's) in nats, averaged over heads and real query positions (w).
    Heads are matched one to one when both have as many, else the heads' average attention is matched."""
    if t_logp.shape[1] != s_logp.shape[1]:
        t_logp = tf.math.log(tf.reduce_mean(tf.exp(t_logp), axis=1, keepdims=True) + 1e-9)
        s_logp = tf.math.log(tf.reduce_mean(tf.exp(s_logp), axis=1, keepdims=True) + 1e-9)
    kl_rows = tf.reduce_sum(tf.exp(t_logp) * (t_logp - s_logp) * allowed, axis=-1)  # (B, H, T)
    return tf.reduce_sum(tf.reduce_mean(kl_rows, axis=1) * w) / tf.reduce_sum(w)


def fit_lm(model: keras.Model, train: Encoded, val: Encoded, epochs: int, lr: float, batch: int, seed: int,
           teacher: keras.Model | TeacherLogits | None = None, alpha: float = 0.0, temperature: float = 2.0,
           prune: float = 0.0, say: Callable[[str], None] = print, label: str = "",
           attn_beta: float = 0.0) -> FitLog:
    """Adam with warmup + cosine decay; the data order is drawn from `seed` alone. A teacher model is run once
    over `train` (:class:`TeacherLogits`); pass the TeacherLogits of `train` to reuse them.

    attn_beta > 0 (needs the teacher model): ``+ attn_beta * KL(teacher's attention || student's)`` of the
    blocks paired by :func:`attention_layer_map`, the teacher then run inside every step (its attention maps
    are too large to keep: rows x heads x T x T)."""
    rng = np.random.default_rng([seed, 7])
    plan = [batches(train, batch, rng) for _ in range(epochs)]
    total = sum(len(p) for p in plan)
    warm = min(200, total // 10)
    sched = keras.optimizers.schedules.CosineDecay(lr / 10, max(1, total - warm), alpha=0.02,
                                                   warmup_target=lr, warmup_steps=warm)
    opt = keras.optimizers.Adam(sched)
    pruner = _Pruner(model, prune, total) if prune > 0 else None
    use_t = teacher is not None and alpha > 0
    use_a = attn_beta > 0
    if use_a and not isinstance(teacher, keras.Model):
        raise ValueError("attention distillation needs the teacher model, not its logits")
    tl = None
    if use_a:
        pairs = attention_layer_map(sum(1 for la in model.layers if la.name.endswith("_qh")),
                                    sum(1 for la in teacher.layers if la.name.endswith("_qh")))
        s_probe = attention_probe(model, [s for s, _ in pairs])
        t_probe = attention_probe(teacher, [t for _, t in pairs])
    elif use_t:
        tl = teacher if isinstance(teacher, TeacherLogits) else TeacherLogits.compute(teacher, train)
        if len(tl.lengths) != len(train) or not np.array_equal(tl.lengths, train.lengths):
            raise ValueError("the teacher's logits are of another training set")
    t2 = float(temperature)
    spec = [tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None, None), tf.int32),
            tf.TensorSpec((None, None), tf.float32), tf.TensorSpec((None, None, None), tf.float32)]

    @tf.function(input_signature=spec)
    def train_step(x, y, w, t_logits):
        with tf.GradientTape() as tape:
            if use_a:
                s_out = s_probe(x, training=True)
                t_out = [tf.stop_gradient(o) for o in t_probe(x, training=False)]
                logits, t_logits = s_out[0], t_out[0]
            else:
                logits = model(x, training=True)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
            n = tf.reduce_sum(w)
            hard = tf.reduce_sum(ce * w) / n
            loss = hard
            if use_t:
                lt = tf.nn.log_softmax(t_logits / t2, axis=-1)
                ls = tf.nn.log_softmax(logits / t2, axis=-1)
                kl = tf.reduce_sum(tf.reduce_sum(tf.exp(lt) * (lt - ls), axis=-1) * w) / n
                loss = (1.0 - alpha) * hard + alpha * t2 * t2 * kl
            if use_a:
                for j in range(len(pairs)):
                    t_lp, allowed = attention_log_probs(t_out[1 + 2 * j], t_out[2 + 2 * j])
                    s_lp, _ = attention_log_probs(s_out[1 + 2 * j], s_out[2 + 2 * j])
                    loss = loss + attn_beta / len(pairs) * attention_kl(t_lp, s_lp, allowed, w)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return hard

    no_t = np.zeros((0, 0, 0), np.float32)
    log = FitLog()
    t0 = time.time()
    step = 0
    for e, plan_e in enumerate(plan):
        losses = []
        for idx in plan_e:
            if pruner:
                pruner.maybe_update(step)
            x, y, w = _batch_arrays(train, idx)
            losses.append(float(train_step(x, y, w, tl.batch(idx, x.shape[1]) if tl is not None else no_t)))
            if pruner:
                pruner.apply()
            step += 1
        log.loss.append(float(np.mean(losses)) / LN2)
        log.val_bpc.append(bpc(model, val))
        say(f"  {label} epoch {e + 1}/{epochs}: train {log.loss[-1]:.4f} bpc, val {log.val_bpc[-1]:.4f} bpc "
            f"({time.time() - t0:.0f} s)")
    log.seconds = time.time() - t0
    return log


def bpc(model: keras.Model, enc: Encoded, batch: int = 64) -> float:
    """Bits per character of a float model (next-character cross-entropy over real positions)."""
    total = 0.0
    for i in range(0, len(enc), batch):
        idx = np.arange(i, min(i + batch, len(enc)))
        x, y, w = _batch_arrays(enc, idx)
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x, training=False))
        total += float(tf.reduce_sum(ce * w))
    return total / LN2 / enc.chars


def dense_sparsity(model: keras.Model) -> float:
    ks = [layer.kernel.numpy() for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    return float(sum(int((k == 0).sum()) for k in ks) / sum(k.size for k in ks))


# ---------------------------------------------------------------- the whole task
@dataclass
class LmResult:
    tokenizer: CharTokenizer
    student_cfg: LmConfig
    model_bytes: bytes  # the int8 step model (.tflite)
    quality: dict  # bits per character of every stage (test split) and the source limit
    info: dict  # sizes, sparsity, timing, histories
    student: keras.Model | None = None


def train_lm(corpus: LmCorpus, cfg: LmTrainConfig, seed: int = 0, say: Callable[[str], None] = print,
             quick: bool = False) -> LmResult:
    from .lm_quant import Int8Decoder, calibration_states, convert_step

    t_start = time.time()
    tok = CharTokenizer.fit(corpus.docs["train"])
    vocab = padded_vocab(tok)
    scfg = cfg.student or student_config(vocab, quick)
    if scfg.vocab != vocab:
        scfg = replace(scfg, vocab=vocab)
    train_docs = corpus.docs["train"][: cfg.train_docs]
    enc = {s: encode_docs(tok, d, scfg.context, f"{s} split") for s, d in
           (("train", train_docs), ("val", corpus.docs["val"]), ("test", corpus.docs["test"]))}
    if corpus.docs.get("test_fresh"):
        enc["test_fresh"] = encode_docs(tok, corpus.docs["test_fresh"], scfg.context, "test_fresh split")
    say(f"lm: vocabulary {tok.vocab_size} symbols; train {len(enc['train'])} documents "
        f"({enc['train'].chars} characters), test {len(enc['test'])}")

    # teacher
    seed_everything(seed + 1000)
    tcfg = LmConfig(vocab, cfg.teacher_dim, cfg.teacher_layers, 4, cfg.teacher_mlp, scfg.context)
    teacher = build_lm(tcfg, "teacher")
    say(f"teacher: {tcfg.describe()}, {teacher.count_params():,} parameters")
    tlog = fit_lm(teacher, enc["train"], enc["val"], cfg.teacher_epochs, cfg.teacher_lr, cfg.batch_size, seed + 1000,
                  say=say, label="teacher")

    # student: alone and distilled, from the same initial weights and the same batches
    seed_everything(seed)
    student = build_lm(scfg, "student")
    init = student.get_weights()
    say(f"student: {scfg.describe()}, {student.count_params():,} parameters")
    alog = fit_lm(student, enc["train"], enc["val"], cfg.student_epochs, cfg.lr, cfg.batch_size, seed, say=say,
                  label="alone")
    alone_w = student.get_weights()
    bpc_alone = bpc(student, enc["test"])
    student.set_weights(init)
    t0 = time.time()
    t_logits = TeacherLogits.compute(teacher, enc["train"])  # once, for distillation and pruning
    say(f"  teacher logits of the training set: {t_logits.flat.nbytes / 2**20:.0f} MiB ({time.time() - t0:.0f} s)")
    dlog = fit_lm(student, enc["train"], enc["val"], cfg.student_epochs, cfg.lr, cfg.batch_size, seed,
                  teacher=teacher if cfg.attn_beta > 0 else t_logits, alpha=cfg.alpha, temperature=cfg.temperature,
                  attn_beta=cfg.attn_beta, say=say, label="distilled")
    bpc_dist = bpc(student, enc["test"])
    distilled_w = student.get_weights()

    # pruning (fine-tuned with the teacher still on)
    plog = None
    if cfg.sparsity > 0 and cfg.prune_epochs > 0:
        plog = fit_lm(student, enc["train"], enc["val"], cfg.prune_epochs, cfg.lr / 4, cfg.batch_size, seed + 1,
                      teacher=t_logits, alpha=cfg.alpha, temperature=cfg.temperature, prune=cfg.sparsity, say=say,
                      label="pruning")
    bpc_pruned = bpc(student, enc["test"])

    # int8 step model
    t0 = time.time()
    tr = enc["train"]
    states = calibration_states(student, scfg, tr.seqs, tr.lengths, cfg.calib, seed)
    model_bytes = convert_step(StepWeights.from_model(student, scfg), states)
    n8 = min(cfg.int8_docs, len(enc["test"]))
    dec = Int8Decoder(model_bytes, scfg)
    sub = Encoded(enc["test"].seqs[:n8], enc["test"].lengths[:n8])
    bits8 = sum(dec.doc_bits(sub.seqs[j, : sub.lengths[j]]) for j in range(n8))
    int8_sub = bits8 / sub.chars
    float_sub = bpc(student, sub)
    say(f"int8: {len(model_bytes):,} B .tflite, {n8} test documents through TFLM: {int8_sub:.4f} bpc "
        f"(float {float_sub:.4f}) ({time.time() - t0:.0f} s)")

    src_rate = corpus.source["entropy_rate_bpc"] if corpus.source else None
    quality = {
        "unit": "bits per character (each document's characters and its end), test split",
        "source_entropy_rate": src_rate,
        "source_on_test": corpus.source_bpc("test"),
        "teacher": bpc(teacher, enc["test"]),
        "student_alone": bpc_alone,
        "student_distilled": bpc_dist,
        "pruned": bpc_pruned,
        "int8_subset": {"documents": n8, "int8_host": int8_sub, "pruned_float": float_sub,
                        "source": corpus.source_bpc("test", n8)},
    }
    if "test_fresh" in enc:
        quality["fresh_seed_test"] = {"pruned": bpc(student, enc["test_fresh"]),
                                      "source": corpus.source_bpc("test_fresh")}
    quality["perplexity_per_char"] = {k: 2 ** v for k, v in quality.items()
                                      if isinstance(v, float) and k != "source_entropy_rate"}
    info = {"student": scfg.to_dict(), "teacher": tcfg.to_dict(),
            "student_params": int(student.count_params()), "teacher_params": int(teacher.count_params()),
            "sparsity": dense_sparsity(student), "train_documents": len(enc["train"]),
            "history": {"teacher": asdict(tlog), "alone": asdict(alog), "distilled": asdict(dlog),
                        "pruning": asdict(plog) if plog else None},
            "config": {k: v for k, v in asdict(cfg).items() if k != "student"},
            "seconds": time.time() - t_start}
    res = LmResult(tok, scfg, model_bytes, quality, info, student)
    res.info["weights"] = {"alone": alone_w, "distilled": distilled_w}  # dropped when saved
    return res


def save_result(res: LmResult, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.tflite").write_bytes(res.model_bytes)
    res.tokenizer.save(folder / "tokenizer.json")
    info = {k: v for k, v in res.info.items() if k != "weights"}
    meta = {"quality": res.quality, "info": info}
    (folder / "metrics.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta
