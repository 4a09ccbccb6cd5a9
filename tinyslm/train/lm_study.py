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

from ..data.lm_corpus import load_lm_corpus
from ..data.tokenizer import CharTokenizer
from ._tf import seed_everything
from .lm import LmTrainConfig, TeacherLogits, bpc, encode_docs, fit_lm, padded_vocab, student_config
from .lm_models import LmConfig, build_lm


def run_study(corpora: list[Path], seeds: int, alphas: list[float], temps: list[float], cfg: LmTrainConfig,
              say=print, out: Path | None = None) -> dict:
    """The rows (one per corpus, seed and setting) and a summary per setting; `out` gets the rows so far after
    each one."""
    rows = []
    for path in corpora:
        corpus = load_lm_corpus(path)
        tok = CharTokenizer.fit(corpus.docs["train"])
        vocab = padded_vocab(tok)
        scfg = replace(cfg.student, vocab=vocab) if cfg.student else student_config(vocab)
        enc = {s: encode_docs(tok, corpus.docs[s][: cfg.train_docs] if s == "train" else corpus.docs[s],
                              scfg.context) for s in ("train", "val", "test")}
        seed_everything(1000)
        tcfg = LmConfig(vocab, cfg.teacher_dim, cfg.teacher_layers, 4, cfg.teacher_mlp, scfg.context)
        teacher = build_lm(tcfg, "teacher")
        fit_lm(teacher, enc["train"], enc["val"], cfg.teacher_epochs, cfg.teacher_lr, cfg.batch_size, 1000,
               say=say, label=f"{path.name} teacher")
        t_val, t_test = bpc(teacher, enc["val"]), bpc(teacher, enc["test"])
        t_logits = TeacherLogits.compute(teacher, enc["train"])  # one teacher for every seed and setting
        for seed in range(seeds):
            seed_everything(seed)
            student = build_lm(scfg, "student")
            init = student.get_weights()
            fit_lm(student, enc["train"], enc["val"], cfg.student_epochs, cfg.lr, cfg.batch_size, seed, say=say,
                   label=f"seed {seed} alone")
            alone = (bpc(student, enc["val"]), bpc(student, enc["test"]))
            for a in alphas:
                for t in temps:
                    student.set_weights(init)
                    fit_lm(student, enc["train"], enc["val"], cfg.student_epochs, cfg.lr, cfg.batch_size, seed,
                           teacher=t_logits, alpha=a, temperature=t, say=say, label=f"seed {seed} a={a} T={t}")
                    dist = (bpc(student, enc["val"]), bpc(student, enc["test"]))
                    row = {"corpus": str(path), "seed": seed, "alpha": a, "temperature": t, "teacher_val": t_val,
                           "teacher_test": t_test, "alone_val": alone[0], "alone_test": alone[1],
                           "distilled_val": dist[0], "distilled_test": dist[1],
                           "gain_val": alone[0] - dist[0], "gain_test": alone[1] - dist[1], "source_test": corpus.source_bpc("test")}
                    rows.append(row)
                    say(json.dumps(row))
                    if out is not None:
                        out.write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    summary = []
    for a in alphas:
        for t in temps:
            sel = [r for r in rows if r["alpha"] == a and r["temperature"] == t]
            gv, g = [r["gain_val"] for r in sel], [r["gain_test"] for r in sel]
            summary.append({"alpha": a, "temperature": t, "pairs": len(g), "gained_val": sum(x > 0 for x in gv),
                            "mean_gain_val": sum(gv) / len(gv), "gained": sum(x > 0 for x in g),
                            "min_gain": min(g), "mean_gain": sum(g) / len(g), "max_gain": max(g)})
    return {"rows": rows, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpora", nargs="+", type=Path)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--alpha", default="0.5")
    p.add_argument("--temperature", default="1,2")
    p.add_argument("--teacher-epochs", type=int, default=None)
    p.add_argument("--student-epochs", type=int, default=None)
    p.add_argument("--train-docs", type=int, default=None)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error("--seeds must be >= 1")
    cfg = LmTrainConfig()
    for k in ("teacher_epochs", "student_epochs", "train_docs"):
        if getattr(args, k) is not None:
            cfg = replace(cfg, **{k: getattr(args, k)})
    t0 = time.time()
    res = run_study(args.corpora, args.seeds, [float(x) for x in args.alpha.split(",")],
                    [float(x) for x in args.temperature.split(",")], cfg, out=args.out)
    res["seconds"] = time.time() - t0
    print("| alpha | T | pairs | gained (val) | mean gain (val) | gained (test) | min gain | mean gain | max gain |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in res["summary"]:
        print(f"| {s['alpha']} | {s['temperature']:g} | {s['pairs']} | {s['gained_val']} | {s['mean_gain_val']:+.4f} | "
              f"{s['gained']} | {s['min_gain']:+.4f} | {s['mean_gain']:+.4f} | {s['max_gain']:+.4f} |")
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
