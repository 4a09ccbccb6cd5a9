"""report.json and report.html of a `tinyslm build`.

The HTML is one self-contained file: training curves, the confusion matrix (KWS)
or ROC curve and score histograms (anomaly), the memory map and the per-operator
cost on the device, all drawn with matplotlib and embedded as PNG.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _figures(task: str, out: Path, train_json: dict, fw: dict, per_op: list[dict]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs: list[tuple[str, str]] = []
    hist = train_json.get("histories", {})
    if hist:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
        for name, h in hist.items():
            h = h.get("curves", h)  # History.to_dict(): {"label", "curves": {metric: [per epoch]}}
            if "loss" in h:
                axes[0].plot(h["loss"], label=f"{name} train")
            if "val_loss" in h:
                axes[0].plot(h["val_loss"], "--", label=f"{name} val")
            for k in ("val_accuracy", "val_acc", "val_auc"):
                if k in h:
                    axes[1].plot(h[k], label=f"{name} {k}")
        axes[0].set_title("loss")
        axes[1].set_title("validation metric")
        for ax in axes:
            ax.set_xlabel("epoch")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6)
        figs.append(("Training curves", _png(fig)))
    if task == "kws" and "confusion_int8" in train_json:
        from .data import CLASSES

        cm = np.asarray(train_json["confusion_int8"])
        fig, ax = plt.subplots(figsize=(5.5, 5))
        ax.imshow(cm, cmap="Blues")
        ax.set_xticks(range(len(CLASSES)), CLASSES, rotation=90, fontsize=7)
        ax.set_yticks(range(len(CLASSES)), CLASSES, fontsize=7)
        for i in range(cm.shape[0]):
            for j in range(cm.shape[1]):
                if cm[i, j]:
                    ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=6)
        ax.set_xlabel("predicted (int8 model)")
        ax.set_ylabel("true")
        figs.append(("Confusion matrix, test set", _png(fig)))
    if task == "anomaly":
        from .pipeline import device_examples

        x_dev, labels = device_examples(out)
        dev = np.load(out / "device" / "device_outputs.npy")
        from .data import AdFrontend
        from .train.metrics import roc_curve

        fe = AdFrontend()
        x = fe.dequantize(x_dev).reshape(len(dev), -1)
        meta = json.loads((out / "firmware" / "project" / "firmware.json").read_text())["outputs"][0]
        recon = (dev.reshape(len(dev), -1).astype(np.float64) - meta["zero_point"]) * float(meta["scale"])
        scores = np.mean((recon - x) ** 2, axis=1)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
        if len(set(labels.tolist())) == 2:
            fpr, tpr, _ = roc_curve(labels, scores)
            axes[0].plot(fpr, tpr)
        axes[0].plot([0, 1], [0, 1], ":", color="gray")
        axes[0].set_title("ROC (device reconstructions)")
        axes[0].set_xlabel("false positive rate")
        axes[0].set_ylabel("true positive rate")
        for lab, name in ((0, "normal"), (1, "anomalous")):
            axes[1].hist(scores[labels == lab], bins=30, alpha=0.6, label=name)
        axes[1].set_title("anomaly scores")
        axes[1].legend()
        figs.append(("ROC and score histograms", _png(fig)))
    size = fw["size"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 1.8))
    axes[0].barh(["flash"], [size["code_bytes"]], label="code")
    axes[0].barh(["flash"], [size["weights_bytes"]], left=[size["code_bytes"]], label="weights")
    axes[0].set_xlim(0, size["flash_capacity"])
    axes[0].legend(fontsize=7)
    left = 0
    for k, label in (("arena_bytes", "arena"), ("io_bytes", "I/O"), ("stack_bytes", "stack")):
        axes[1].barh(["RAM"], [size[k]], left=[left], label=label)
        left += size[k]
    axes[1].barh(["RAM"], [size["ram_bytes"] - left], left=[left], label="rest")
    axes[1].set_xlim(0, size["ram_capacity"])
    axes[1].legend(fontsize=7)
    figs.append((f"Memory map on {size['board']} (bytes, axis = the board's capacity)", _png(fig)))
    if per_op:
        fig, ax = plt.subplots(figsize=(10, max(2.0, 0.22 * len(per_op))))
        labels_ = [f"{o['op']}: {o['opcode']}" for o in per_op]
        ax.barh(labels_, [o["instructions"] for o in per_op])
        ax.invert_yaxis()
        ax.set_xlabel("instructions (QEMU -icount shift=0)")
        ax.tick_params(axis="y", labelsize=7)
        figs.append(("Per-operator cost on the device", _png(fig)))
    return figs


def write_report(cfg, out: Path, data: dict, feats: dict, train: dict, fw: dict, dev: dict,
                 quality_device: float, raw_audio: dict | None = None, seconds: dict | None = None) -> dict:
    """`seconds`: wall seconds of each pipeline step (the report's own are added)."""
    import time

    from .boards import get_board

    t0 = time.time()
    train_json = json.loads((out / "train" / "train.json").read_text())
    facts = train["facts"]
    q = dict(train["quality"])
    report: dict[str, Any] = {
        "task": cfg.task,
        "board": cfg.board,
        "dataset": {"source": data["source"], "root": data["root"], "n_train": feats["n_train"],
                    "n_val": feats.get("n_val"), "n_test": feats["n_test"]},
        "model": {"params": facts["params"], "macs": None, "ops": sorted(set(facts["ops"])),
                  "sparsity": facts["sparsity"], "tflite_bytes": facts["tflite_bytes"]},
        "quality": {"metric": "accuracy" if cfg.task == "kws" else "roc_auc",
                    "teacher_float": q.get("teacher_float"), "student_alone_float": q.get("student_alone_float"),
                    "student_distilled_float": q.get("student_distilled_float"),
                    "student_pruned_float": q.get("student_pruned_float"), "student_int8": q.get("student_int8"),
                    "student_int8_device": quality_device},
        "memory": {"flash_bytes": fw["size"]["flash_bytes"], "weights_bytes": fw["size"]["weights_bytes"],
                   "code_bytes": fw["size"]["code_bytes"], "arena_bytes": fw["size"]["arena_bytes"],
                   "ram_bytes": fw["size"]["ram_bytes"], "flash_capacity": fw["size"]["flash_capacity"],
                   "ram_capacity": fw["size"]["ram_capacity"]},
        "device": {"instructions_per_inference": dev["instructions_per_inference"],
                   "cycles_per_inference": dev.get("cycles_per_inference"),
                   "agreement_with_host": dev["agreement_with_host"], "examples": dev["n"],
                   "where": cfg.port or f"{cfg.emulator} ({get_board(cfg.board).emulator.qemu_machine})"},
        # the same stages on the validation split (KWS): what the training defaults were tuned on
        "quality_val": dict(train_json.get("quality_val") or {}),
        "tflm": {"arena_bytes": fw.get("tflm_arena")},
        "raw_audio": raw_audio or {},
        "build_id": fw["build_id"],
        "seed": cfg.seed,
        "profile": cfg.profile,
    }
    if cfg.task == "anomaly":
        report["quality"]["threshold"] = train.get("threshold")
        report["quality"]["decision"] = train.get("decision")
    per_op: list[dict] = []
    board = get_board(cfg.board)
    if board.emulated and board.timer == "systick":
        try:
            from .bench import bench_model

            b = bench_model(out / "train" / "model.tflite", cfg.board)
            per_op = b.per_op
            report["model"]["macs"] = b.macs
            report["device"]["instructions_per_mac"] = b.instructions_per_mac
        except Exception as e:  # the per-op profile is an extra; the report stands without it
            report["device"]["per_op_error"] = str(e).splitlines()[0]
    if report["model"]["macs"] is None:
        from .compiler import analyze
        from .compiler.lowering import Call

        _, plan = analyze(out / "train" / "model.tflite")
        report["model"]["macs"] = sum(s.macs for s in plan.steps if isinstance(s, Call))
    report["device"]["per_op"] = per_op
    figs = _figures(cfg.task, out, train_json, fw, per_op)
    if seconds is not None:
        steps = {k: round(float(v), 1) for k, v in seconds.items()}
        steps["report"] = round(time.time() - t0, 1)
        report["seconds"] = {"steps": steps, "total": round(sum(steps.values()), 1),
                             "train": {k: round(float(v), 1) for k, v in train_json.get("seconds", {}).items()}}
    (out / "report.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
    (out / "report.html").write_text(_html(report, figs, train.get("summary", "")))
    return report


def _html(report: dict, figs: list[tuple[str, str]], summary: str) -> str:
    def row(k: str, v: Any) -> str:
        if isinstance(v, float):
            v = f"{v:.4f}"
        return f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"

    sections = []
    for key in ("dataset", "model", "quality", "quality_val", "memory", "device", "raw_audio", "tflm", "seconds"):
        rows = "".join(row(k, v) for k, v in report.get(key, {}).items() if k != "per_op")
        sections.append(f"<h2>{key}</h2><table>{rows}</table>")
    images = "".join(f"<h2>{html.escape(t)}</h2><img src='{src}' alt='{html.escape(t)}'>" for t, src in figs)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>tinyslm build: {report['task']} on {report['board']}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto}}table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:2px 8px;text-align:left;font-size:13px}}img{{max-width:100%}}</style></head>
<body><h1>tinyslm build: {report['task']} on {report['board']}</h1>
<p>build {report['build_id']}, seed {report['seed']}, profile {report['profile']}</p>
<pre>{html.escape(summary)}</pre>
{''.join(sections)}
{images}
</body></html>
"""
