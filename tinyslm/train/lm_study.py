"""Does distillation help the language-model student, and with which settings? A paired study.

On development corpora (``tinyslm data lm`` with other seeds than the build's), one teacher per
corpus, then for every student seed the student is trained alone and distilled (for each setting
alpha x temperature) from the same initial weights on the same batches (:func:`tinyslm.train.lm.fit_lm`),
so the paired gain ``alone - distilled`` in bits per character measures the teacher and nothing else.
The teacher's logits of the training set are computed once and shared by every student. Gains are
reported on the corpus's validation split (to choose alpha and T) and its test split::

    tinyslm data lm --out runs/lm-dev1 --seed 1
    python -m tinyslm.train.lm_study runs/lm-dev1 --seeds 3 --alpha 0.5,0.9 --temperature 1 --out study.json
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..data.lm_corpus import load_lm_corpus
from ..data.tokenizer import CharTokenizer
from ._tf import seed_everything
from .lm import (
    LmTrainConfig,
    TeacherLogits,
    bpc,
    encode_docs,
    fit_lm,
    padded_vocab,
    student_config,
)
from .lm_models import LmConfig, build_lm


def _teacher(path: Path, corpus_enc: dict, tcfg: LmConfig, cfg: LmTrainConfig, cache: Path | None, say):
    """The corpus's teacher (seed 1000), trained as tinyslm build lm trains it, or its cached weights."""
    seed_everything(1000)
    teacher = build_lm(tcfg, "teacher")
    f = None
    if cache is not None:
        f = cache / (f"{path.resolve().name}-teacher-d{tcfg.dim}l{tcfg.layers}m{tcfg.mlp}-e{cfg.teacher_epochs}"
                     f"-n{cfg.train_docs or 'all'}-lr{cfg.teacher_lr:g}.weights.h5")
        if f.exists():
            teacher.load_weights(f)
            say(f"{path.name} teacher: cached weights {f}")
            return teacher
    fit_lm(teacher, corpus_enc["train"], corpus_enc["val"], cfg.teacher_epochs, cfg.teacher_lr, cfg.batch_size, 1000,
           say=say, label=f"{path.name} teacher")
    if f is not None:
        f.parent.mkdir(parents=True, exist_ok=True)
        teacher.save_weights(f)
    return teacher


def bits_by_certainty(model, enc, t_logits: TeacherLogits, p_min: float = 0.99) -> dict:
    """Where a model's bits go: positions where the teacher gives the true next character p >= p_min
    ("determined", e.g. a slot copied from the request) and the rest ("open"); each bucket's bits per
    character of the whole split, so the two add up to the model's bpc."""
    from ._tf import tf
    from .lm import LN2, _batch_arrays
    out = {"determined": 0.0, "open": 0.0}
    n_det = 0
    for i in range(0, len(enc), 64):
        idx = np.arange(i, min(i + 64, len(enc)))
        x, y, w = _batch_arrays(enc, idx)
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x, training=False)).numpy()
        tl = t_logits.batch(idx, x.shape[1])
        tp = np.exp(tl - tl.max(-1, keepdims=True))
        tp = np.take_along_axis(tp / tp.sum(-1, keepdims=True), y[..., None], -1)[..., 0]
        det = (tp >= p_min) & (w > 0)
        out["determined"] += float((ce * det).sum())
        out["open"] += float((ce * ((w > 0) & ~det)).sum())
        n_det += int(det.sum())
    return {k: v / LN2 / enc.chars for k, v in out.items()} | {"determined_fraction": n_det / enc.chars}


def run_study(corpora: list[Path], seeds: int, alphas: list[float], temps: list[float], cfg: LmTrainConfig,
              say=print, out: Path | None = None, betas: list[float] = (0.0,), teacher_cache: Path | None = None,
              seed_list: list[int] | None = None) -> dict:
    """The rows (one per corpus, seed and setting alpha x T x attention beta) and a summary per setting; `out`
    gets the rows so far after each one."""
    rows = []
    for path in corpora:
        corpus = load_lm_corpus(path)
        tok = CharTokenizer.fit(corpus.docs["train"])
        vocab = padded_vocab(tok)
        scfg = replace(cfg.student, vocab=vocab) if cfg.student else student_config(vocab)
        enc = {s: encode_docs(tok, corpus.docs[s][: cfg.train_docs] if s == "train" else corpus.docs[s],
                              scfg.context) for s in ("train", "val", "test")}
        tcfg = LmConfig(vocab, cfg.teacher_dim, cfg.teacher_layers, 4, cfg.teacher_mlp, scfg.context)
        teacher = _teacher(path, enc, tcfg, cfg, teacher_cache, say)
        t_val, t_test = bpc(teacher, enc["val"]), bpc(teacher, enc["test"])
        t_logits = TeacherLogits.compute(teacher, enc["train"])  # one teacher for every seed and setting
        tl_val = TeacherLogits.compute(teacher, enc["val"])
        where = {"teacher": bits_by_certainty(teacher, enc["val"], tl_val)}
        settings = [(a, t, b) for a in alphas for t in temps for b in betas]
        for seed in (seed_list if seed_list is not None else range(seeds)):
            seed_everything(seed)
            student = build_lm(scfg, "student")
            init = student.get_weights()
            fit_lm(student, enc["train"], enc["val"], cfg.student_epochs, cfg.lr, cfg.batch_size, seed, say=say,
                   label=f"seed {seed} alone")
            alone = (bpc(student, enc["val"]), bpc(student, enc["test"]))
            where_alone = bits_by_certainty(student, enc["val"], tl_val)
            for a, t, b in settings:
                student.set_weights(init)
                fit_lm(student, enc["train"], enc["val"], cfg.student_epochs, cfg.lr, cfg.batch_size, seed,
                       teacher=teacher if b > 0 else t_logits, alpha=a, temperature=t, attn_beta=b, say=say,
                       label=f"seed {seed} a={a} T={t} beta={b}")
                dist = (bpc(student, enc["val"]), bpc(student, enc["test"]))
                row = {"corpus": str(path), "seed": seed, "alpha": a, "temperature": t, "attn_beta": b,
                       "teacher_val": t_val, "teacher_test": t_test, "alone_val": alone[0], "alone_test": alone[1],
                       "distilled_val": dist[0], "distilled_test": dist[1],
                       "gain_val": alone[0] - dist[0], "gain_test": alone[1] - dist[1],
                       "source_val": corpus.source_bpc("val"), "source_test": corpus.source_bpc("test"),
                       "val_bits_by_certainty": dict(where, alone=where_alone,
                                                     distilled=bits_by_certainty(student, enc["val"], tl_val))}
                rows.append(row)
                say(json.dumps(row))
                if out is not None:
                    out.write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    summary = []
    for a, t, b in settings:
        sel = [r for r in rows if r["alpha"] == a and r["temperature"] == t and r["attn_beta"] == b]
        gv, g = [r["gain_val"] for r in sel], [r["gain_test"] for r in sel]
        summary.append({"alpha": a, "temperature": t, "attn_beta": b, "pairs": len(g),
                        "gained_val": sum(x > 0 for x in gv), "mean_gain_val": sum(gv) / len(gv),
                        "gained": sum(x > 0 for x in g), "min_gain": min(g), "mean_gain": sum(g) / len(g),
                        "max_gain": max(g), "sd_gain": float(np.std(g, ddof=1)) if len(g) > 1 else None})
    return {"rows": rows, "summary": summary}


def pooled(files: list[Path], alpha: float = 0.5, temperature: float = 1.0, beta: float = 0.0) -> list[dict]:
    """One setting's pairs from study files (rows of several runs and corpora), per corpus and pooled: how many
    gained, mean, sample standard deviation, min and max of the paired gain on validation and test."""
    rows = []
    for f in files:
        rows += [r for r in json.loads(Path(f).read_text())["rows"] if r["alpha"] == alpha
                 and r["temperature"] == temperature and r.get("attn_beta", 0.0) == beta]
    groups = {c: [r for r in rows if r["corpus"] == c] for c in dict.fromkeys(r["corpus"] for r in rows)}
    groups["all"] = rows
    out = []
    for name, sel in groups.items():
        line = {"corpus": name, "pairs": len(sel), "seeds": sorted({r["seed"] for r in sel})}
        for split in ("val", "test"):
            g = np.array([r[f"gain_{split}"] for r in sel])
            line[split] = {"gained": int((g > 0).sum()), "mean": float(g.mean()),
                           "sd": float(g.std(ddof=1)) if len(g) > 1 else None, "min": float(g.min()),
                           "max": float(g.max())}
        out.append(line)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpora", nargs="+", type=Path, help="corpus folders (or, with --pool, study .json files)")
    p.add_argument("--pool", action="store_true", help="summarize the pairs of study files for one setting")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--alpha", default="0.5")
    p.add_argument("--temperature", default="1,2")
    p.add_argument("--attn-beta", default="0", help="attention-map distillation weights (comma list)")
    p.add_argument("--seed-list", default=None, help="student seeds (comma list) instead of 0..seeds-1")
    p.add_argument("--teacher-cache", type=Path, default=None, help="folder keeping each corpus's teacher weights")
    p.add_argument("--teacher-epochs", type=int, default=None)
    p.add_argument("--student-epochs", type=int, default=None)
    p.add_argument("--train-docs", type=int, default=None)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    if args.pool:
        if any("," in v for v in (args.alpha, args.temperature, args.attn_beta)):
            p.error("--pool summarizes one setting: give one --alpha, --temperature and --attn-beta")
        lines = pooled(args.corpora, float(args.alpha), float(args.temperature), float(args.attn_beta))
        print("| corpus | pairs | gained (val) | mean gain (val) | gained (test) | mean gain (test) | sd | min | max |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for ln in lines:
            v, t = ln["val"], ln["test"]
            sd = f"{t['sd']:.4f}" if t["sd"] is not None else "-"
            print(f"| {ln['corpus']} | {ln['pairs']} | {v['gained']} | {v['mean']:+.4f} | {t['gained']} | {t['mean']:+.4f} "
                  f"| {sd} | {t['min']:+.4f} | {t['max']:+.4f} |")
        return 0
    if args.seeds < 1:
        p.error("--seeds must be >= 1")
    cfg = LmTrainConfig()
    for k in ("teacher_epochs", "student_epochs", "train_docs"):
        if getattr(args, k) is not None:
            cfg = replace(cfg, **{k: getattr(args, k)})
    t0 = time.time()
    res = run_study(args.corpora, args.seeds, [float(x) for x in args.alpha.split(",")],
                    [float(x) for x in args.temperature.split(",")], cfg, out=args.out,
                    betas=[float(x) for x in args.attn_beta.split(",")], teacher_cache=args.teacher_cache,
                    seed_list=[int(x) for x in args.seed_list.split(",")] if args.seed_list else None)
    res["seconds"] = time.time() - t0
    print("| alpha | T | attention beta | pairs | gained (val) | mean gain (val) | gained (test) | min gain | mean gain "
          "| max gain |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in res["summary"]:
        print(f"| {s['alpha']} | {s['temperature']:g} | {s['attn_beta']:g} | {s['pairs']} | {s['gained_val']} | "
              f"{s['mean_gain_val']:+.4f} | "
              f"{s['gained']} | {s['min_gain']:+.4f} | {s['mean_gain']:+.4f} | {s['max_gain']:+.4f} |")
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
