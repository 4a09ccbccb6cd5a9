"""report.json: every figure the build's steps measured, and the summary shown first (terminal and page)."""

from __future__ import annotations

import json
import shlex
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

STAGES = (("teacher_float", "teacher (float)"), ("student_alone_float", "student alone (float)"),
          ("student_distilled_float", "distilled (float)"), ("student_pruned_float", "pruned (float)"),
          ("student_int8", "int8 (host, TFLM)"), ("student_int8_device", "int8 on the device"))
# the smallest TFLM + CMSIS-NN .text measured for a shared model (ad01: FULLY_CONNECTED, QUANTIZE, DEQUANTIZE;
# tinyslm/bench.py TFLM_REFERENCE): a lower bound on the TFLM runtime's flash for any model
TFLM_MIN_TEXT = 32_704


# ------------------------------------------------------------------ report.json
def reproduce_command(cfg) -> str:
    """The `tinyslm build` command line that makes this build again."""
    args = ["tinyslm", "build", cfg.task, "--board", cfg.board, "--out", str(cfg.out), "--seed", str(cfg.seed)]
    if cfg.quick:
        args.append("--quick")
    if cfg.data is not None:
        args += ["--data", str(cfg.data)]
    if cfg.port:
        args += ["--port", cfg.port]
    if cfg.emulator != "qemu":
        args += ["--emulator", cfg.emulator]
    default_n = 40 if cfg.quick else 200
    if cfg.device_clips != default_n:
        args += ["--device-examples", str(cfg.device_clips)]
    if getattr(cfg, "mlperf", None):
        args += ["--mlperf", cfg.mlperf]
    return shlex.join(args)


def _curves(histories: dict) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    for name, h in histories.items():
        h = h.get("curves", h)  # History.to_dict(): {"label", "curves": {metric: [per epoch]}}
        keep = {k: [float(x) for x in v] for k, v in h.items()
                if (k == "loss" or k.startswith("val_")) and isinstance(v, list) and v}
        if keep:
            out[name] = keep
    return out


def _anomaly_scores(out: Path) -> dict:
    """Scores of the windows the device ran, from its reconstructions (read, not run again)."""
    from ..data import AdFrontend
    from ..tasks import device_examples
    from ..train.metrics import roc_auc, roc_curve

    x_dev, labels = device_examples(out)
    dev = np.load(out / "device" / "device_outputs.npy")
    x = AdFrontend().dequantize(x_dev).reshape(len(dev), -1)
    meta = json.loads((out / "firmware" / "project" / "firmware.json").read_text())["outputs"][0]
    recon = (dev.reshape(len(dev), -1).astype(np.float64) - meta["zero_point"]) * float(meta["scale"])
    scores = np.mean((recon - x) ** 2, axis=1)
    result: dict = {"normal": [float(s) for s in scores[labels == 0]],
                    "anomalous": [float(s) for s in scores[labels == 1]]}
    if len(set(labels.tolist())) == 2:
        fpr, tpr, _ = roc_curve(labels, scores)
        result["roc"] = {"fpr": [float(v) for v in fpr], "tpr": [float(v) for v in tpr],
                         "auc": float(roc_auc(labels, scores))}
    return result


def write_report(cfg, out: Path, data: dict, feats: dict, train: dict, fw: dict, dev: dict,
                 quality_device: float, raw_audio: dict | None = None, seconds: dict | None = None,
                 fresh: dict | None = None) -> dict:
    """Write OUT/report.json and OUT/report.html from the steps' results; returns report.json's content.
    `seconds`: wall seconds of each pipeline step (the report's own are added)."""
    import time

    from ..boards import get_board

    t0 = time.time()
    train_json = json.loads((out / "train" / "train.json").read_text())
    facts = train["facts"]
    q = dict(train["quality"])
    board = get_board(cfg.board)
    size = fw["size"]
    instr = dev.get("instructions_per_inference")
    ms = None
    if instr:  # QEMU -icount shift=0 counts instructions: at the board's clock, one per cycle
        ms = 1000.0 * instr / board.clock_hz
    elif dev.get("cycles_per_inference") and dev.get("tick_hz"):  # a real board's timer
        ms = 1000.0 * dev["cycles_per_inference"] / dev["tick_hz"]
    ops = list(facts["ops"])
    report: dict[str, Any] = {
        "task": cfg.task,
        "board": cfg.board,
        "board_info": {"description": board.description, "clock_hz": board.clock_hz,
                       "flash_bytes": board.memory.flash_bytes, "ram_bytes": board.memory.ram_bytes},
        "dataset": {"source": data["source"], "root": data["root"], "n_train": feats["n_train"],
                    "n_val": feats.get("n_val"), "n_test": feats["n_test"],
                    "frontend": feats.get("frontend")},  # its config (FrontendConfig.to_dict)
        "model": {"params": facts["params"], "macs": fw.get("macs"), "ops": sorted(set(ops)),
                  "op_counts": dict(sorted(((o, ops.count(o)) for o in set(ops)), key=lambda kv: -kv[1])),
                  "sparsity": facts["sparsity"], "tflite_bytes": facts["tflite_bytes"]},
        "quality": {"metric": "accuracy" if cfg.task == "kws" else "roc_auc",
                    "teacher_float": q.get("teacher_float"), "student_alone_float": q.get("student_alone_float"),
                    "student_distilled_float": q.get("student_distilled_float"),
                    "student_pruned_float": q.get("student_pruned_float"), "student_int8": q.get("student_int8"),
                    "student_int8_device": quality_device,
                    # the host C build of the int8 model vs the TFLM oracle, byte for byte, on every test example
                    "tflm_agreement": dev.get("tflm_agreement"), "tflm_examples": dev.get("tflm_examples")},
        "memory": {"flash_bytes": size["flash_bytes"], "weights_bytes": size["weights_bytes"],
                   "code_bytes": size["code_bytes"], "arena_bytes": size["arena_bytes"],
                   "io_bytes": size["io_bytes"], "stack_bytes": size["stack_bytes"],
                   "ram_bytes": size["ram_bytes"], "flash_capacity": size["flash_capacity"],
                   "ram_capacity": size["ram_capacity"],
                   # speed (-O2), or size (-Os) when only that build fits the board's flash
                   "optimize": fw.get("optimize", "speed"), "optimize_why": fw.get("optimize_why", "")},
        "device": {"instructions_per_inference": instr,
                   "cycles_per_inference": dev.get("cycles_per_inference"),
                   "latency_ms": ms, "clock_hz": board.clock_hz,
                   "latency_basis": ("instructions at the board's clock, one per cycle (QEMU -icount shift=0)"
                                     if instr else "the board's timer"),
                   "instructions_per_mac": fw.get("instructions_per_mac"),
                   "agreement_with_host": dev["agreement_with_host"], "examples": dev["n"],
                   "identical": dev.get("identical"),
                   "host_identical_to_tflm": dev.get("host_identical_to_tflm"),
                   "where": cfg.port or f"{cfg.emulator} ({board.emulator.qemu_machine})",
                   "per_op": fw.get("per_op", [])},
        # the same stages on the validation split (KWS): what the training defaults were tuned on
        "quality_val": dict(train_json.get("quality_val") or {}),
        # post-training quantization or QAT, chosen on the validation split (KWS: QuantConfig.qat_above)
        "quantization": train_json.get("quantization"),
        "tflm": {"arena_bytes": fw.get("tflm_arena"), "tflite_bytes": facts["tflite_bytes"],
                 "flash_lower_bound": facts["tflite_bytes"] + TFLM_MIN_TEXT},
        "raw_audio": raw_audio or {},
        "build_id": fw["build_id"],
        "mlperf": fw.get("mlperf"),
        "seed": cfg.seed,
        "profile": cfg.profile,
        "command": reproduce_command(cfg),
        "curves": _curves(train_json.get("histories", {})),
    }
    if fw.get("per_op_error"):
        report["device"]["per_op_error"] = fw["per_op_error"]
    if getattr(cfg, "tuned", None) is not None:  # a `tinyslm tune` point (--from-tune: see from_tune.json)
        report["tuned_point"] = cfg.tuned
    # held-out sets made and read once at the end of the build (int8 with TFLM; tasks/<task>.py fresh)
    fresh = fresh or {}
    report["quality"]["test_fresh"] = fresh.get("test_fresh")
    if cfg.task == "kws":
        report["quality"]["test_other_engine"] = fresh.get("test_other_engine")
    if cfg.task == "anomaly":
        report["quality"]["test_other_machines"] = fresh.get("test_other_machines")
    report["fresh"] = fresh
    if cfg.task == "anomaly":
        report["quality"]["threshold"] = train.get("threshold")
        report["quality"]["decision"] = train.get("decision")
        report["scores"] = _anomaly_scores(out)
    elif "confusion_int8" in train_json:
        from ..data import CLASSES

        report["confusion"] = {"classes": list(CLASSES), "matrix": train_json["confusion_int8"]}
    if seconds is not None:
        steps = {k: round(float(v), 1) for k, v in seconds.items()}
        steps["report"] = round(time.time() - t0, 1)
        report["seconds"] = {"steps": steps, "total": round(sum(steps.values()), 1),
                             "train": {k: round(float(v), 1) for k, v in train_json.get("seconds", {}).items()}}
    (out / "report.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
    from .page import render_html

    (out / "report.html").write_text(render_html(report))
    return report


# ------------------------------------------------------------------ formatting
def _kb(n: float | None) -> str:
    return "-" if n is None else f"{n / 1024:,.1f} KB"


def _num(v: Any, digits: int = 4) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v != v:
            return "n/a"
        return f"{v:.{digits}f}"
    return str(v)


def _metric_name(report: dict) -> str:
    return "accuracy" if report["quality"].get("metric") == "accuracy" else "ROC AUC"


def summary(report: dict) -> OrderedDict[str, str]:
    """The four answers (and the time), one line each: the first screen and the terminal table."""
    mem, dev, tflm = report["memory"], report["device"], report.get("tflm", {})
    s: OrderedDict[str, str] = OrderedDict()
    fits = mem["flash_bytes"] <= mem["flash_capacity"] and mem["ram_bytes"] <= mem["ram_capacity"]
    s["fits"] = (f"{'yes' if fits else 'NO'}: flash {_kb(mem['flash_bytes'])} of {_kb(mem['flash_capacity'])} "
                 f"({100 * mem['flash_bytes'] / mem['flash_capacity']:.1f}%), RAM {_kb(mem['ram_bytes'])} of "
                 f"{_kb(mem['ram_capacity'])} ({100 * mem['ram_bytes'] / mem['ram_capacity']:.1f}%)")
    if tflm.get("arena_bytes"):
        s["vs TFLM"] = (f"arena {_kb(mem['arena_bytes'])} vs TFLM's {_kb(tflm['arena_bytes'])} "
                        f"({tflm['arena_bytes'] / max(mem['arena_bytes'], 1):.1f}x less)")
    if dev.get("latency_ms") is not None:
        mhz = dev.get("clock_hz", 0) / 1e6
        how = (f"{dev['instructions_per_inference']:,} instructions at {mhz:g} MHz"
               if dev.get("instructions_per_inference") else f"{dev.get('cycles_per_inference', 0):,} timer ticks")
        s["speed"] = f"{dev['latency_ms']:.1f} ms per inference ({how})"
    qual = report["quality"]
    parts = [f"{label.split(' (')[0]} {_num(qual.get(k))}" for k, label in STAGES if qual.get(k) is not None]
    s["quality"] = f"{_metric_name(report)}: " + " → ".join(parts)
    held = [f"{what} {_num(qual.get(k))}" for k, what in (("test_fresh", "fresh test set"),
                                                          ("test_other_engine", "held-out engine"),
                                                          ("test_other_machines", "other machines"))
            if qual.get(k) is not None]
    if held:
        s["quality"] += f" (int8; {', '.join(held)})"
    trust = [f"device = host build on {dev.get('identical', round(dev['agreement_with_host'] * dev['examples']))}"
             f"/{dev['examples']}"]
    if dev.get("host_identical_to_tflm") is not None:
        trust.append(f"host build = TFLM on {dev['host_identical_to_tflm']}/{dev['examples']}")
    raw = report.get("raw_audio") or {}
    if "top1_agreement" in raw:
        trust.append(f"raw audio, features on the device: top-1 = host on {100 * raw['top1_agreement']:.0f}%")
    s["trust"] = "; ".join(trust) + " (outputs compared byte for byte)"
    sec = report.get("seconds")
    if sec:
        s["time"] = f"{sec['total']:.0f} s (" + ", ".join(f"{k} {v:.0f}" for k, v in sec["steps"].items()) + ")"
    return s


def summary_lines(report: dict) -> list[str]:
    """The summary as a compact two-column table for a terminal."""
    rows = list(summary(report).items())
    width = max(len(k) for k, _ in rows)
    rule = "+" + "-" * (width + 2) + "+" + "-" * 60
    lines = [rule]
    for k, v in rows:
        lines.append(f"| {k:<{width}} | {v}")
    lines.append(rule)
    return lines


# ------------------------------------------------------------------ SVG charts
