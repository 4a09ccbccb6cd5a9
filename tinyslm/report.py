"""report.json and report.html of a `tinyslm build`.

The report measures nothing: it reads what the pipeline's steps measured (their results, train/train.json,
the device's outputs) and lays it out. report.json holds every figure, the charts' data included, and
`render_html(report)` draws report.html from it alone: one self-contained file (inline SVG and CSS, no
scripts, no network), readable on a phone. Its first screen answers "does it fit, how fast, how good, can
I trust it"; then the quality of every stage, memory against the board and against TFLM, the cost of each
operator type, the confusion matrix or ROC and score histograms, training curves, the time of each step
and the command that reproduces the build. `summary_lines(report)` is the same summary for a terminal.
"""

from __future__ import annotations

import html
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
    from .data import AdFrontend
    from .tasks import device_examples
    from .train.metrics import roc_auc, roc_curve

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
                 quality_device: float, raw_audio: dict | None = None, seconds: dict | None = None) -> dict:
    """Write OUT/report.json and OUT/report.html from the steps' results; returns report.json's content.
    `seconds`: wall seconds of each pipeline step (the report's own are added)."""
    import time

    from .boards import get_board

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
                    "n_val": feats.get("n_val"), "n_test": feats["n_test"]},
        "model": {"params": facts["params"], "macs": fw.get("macs"), "ops": sorted(set(ops)),
                  "op_counts": dict(sorted(((o, ops.count(o)) for o in set(ops)), key=lambda kv: -kv[1])),
                  "sparsity": facts["sparsity"], "tflite_bytes": facts["tflite_bytes"]},
        "quality": {"metric": "accuracy" if cfg.task == "kws" else "roc_auc",
                    "teacher_float": q.get("teacher_float"), "student_alone_float": q.get("student_alone_float"),
                    "student_distilled_float": q.get("student_distilled_float"),
                    "student_pruned_float": q.get("student_pruned_float"), "student_int8": q.get("student_int8"),
                    "student_int8_device": quality_device},
        "memory": {"flash_bytes": size["flash_bytes"], "weights_bytes": size["weights_bytes"],
                   "code_bytes": size["code_bytes"], "arena_bytes": size["arena_bytes"],
                   "io_bytes": size["io_bytes"], "stack_bytes": size["stack_bytes"],
                   "ram_bytes": size["ram_bytes"], "flash_capacity": size["flash_capacity"],
                   "ram_capacity": size["ram_capacity"]},
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
    if cfg.task == "anomaly":
        report["quality"]["threshold"] = train.get("threshold")
        report["quality"]["decision"] = train.get("decision")
        report["scores"] = _anomaly_scores(out)
    elif "confusion_int8" in train_json:
        from .data import CLASSES

        report["confusion"] = {"classes": list(CLASSES), "matrix": train_json["confusion_int8"]}
    if seconds is not None:
        steps = {k: round(float(v), 1) for k, v in seconds.items()}
        steps["report"] = round(time.time() - t0, 1)
        report["seconds"] = {"steps": steps, "total": round(sum(steps.values()), 1),
                             "train": {k: round(float(v), 1) for k, v in train_json.get("seconds", {}).items()}}
    (out / "report.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
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
def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


PALETTE = ("#2b6cb0", "#dd6b20", "#2f855a", "#c53030", "#6b46c1", "#b7791f", "#2c7a7b", "#97266d")


def _svg_stage_bars(report: dict) -> str:
    q, qv = report["quality"], report.get("quality_val") or {}
    rows = [(label, q.get(k), qv.get(k)) for k, label in STAGES]
    rows = [r for r in rows if r[1] is not None and r[1] == r[1]]
    if not rows:
        return "<p>No quality figures.</p>"
    vals = [r[1] for r in rows] + [r[2] for r in rows if isinstance(r[2], float)]
    lo = max(0.0, np.floor(min(vals) * 20) / 20 - 0.05)  # a zoomed axis: the stages differ by little
    hi = 1.0
    step = 0.05 if hi - lo <= 0.3 else 0.1 if hi - lo <= 0.6 else 0.25
    lo = float(np.floor(lo / step + 1e-9) * step)  # ticks at round values, the last at 1
    w, left, bar_h, gap = 520, 150, 22, 8
    h = len(rows) * (bar_h + gap) + 34
    x = lambda v: left + (w - left - 60) * (v - lo) / (hi - lo)  # noqa: E731
    parts = [f'<svg viewBox="0 0 {w} {h}" class="chart" role="img" aria-label="quality of every stage">']
    for t in np.arange(lo, hi + 1e-9, step):
        parts.append(f'<line x1="{x(t):.1f}" y1="4" x2="{x(t):.1f}" y2="{h - 24}" class="grid"/>'
                     f'<text x="{x(t):.1f}" y="{h - 8}" class="tick" text-anchor="middle">{round(float(t), 3):g}</text>')
    for i, (label, v, val) in enumerate(rows):
        y = 6 + i * (bar_h + gap)
        color = "#2f855a" if "device" in label else "#2b6cb0"
        end = max(x(v), x(val) + 6 if isinstance(val, float) else 0)  # the value right of the bar and the circle
        parts.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="lab">{_esc(label)}</text>'
                     f'<rect x="{left}" y="{y}" width="{max(x(v) - left, 1):.1f}" height="{bar_h}" fill="{color}"/>'
                     f'<text x="{end + 4:.1f}" y="{y + bar_h * 0.7:.1f}" class="val">{v:.4f}</text>')
        if isinstance(val, float):
            parts.append(f'<circle cx="{x(val):.1f}" cy="{y + bar_h / 2}" r="4" fill="#fff" stroke="#dd6b20" '
                         f'stroke-width="2"><title>validation {val:.4f}</title></circle>')
    parts.append("</svg>")
    note = (f'<p class="note">Test split; axis from {lo:.2f}. '
            + ('Circles: the validation split. ' if any(isinstance(r[2], float) for r in rows) else "")
            + "int8 (host, TFLM) is the .tflite run by TensorFlow Lite Micro; on the device: the firmware's own "
              "outputs.</p>")
    return "".join(parts) + note


def _svg_hbars(items: list[tuple[str, float, str]], total: float, unit: str = "", width: int = 520) -> str:
    """Horizontal bars of (label, value, text) against `total`."""
    left, bar_h, gap = 150, 20, 6
    h = len(items) * (bar_h + gap) + 6
    parts = [f'<svg viewBox="0 0 {width} {h}" class="chart" role="img">']
    for i, (label, v, text) in enumerate(items):
        y = 4 + i * (bar_h + gap)
        bw = (width - left - 150) * (v / total if total else 0)
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" class="lab">{_esc(label)}</text>'
                     f'<rect x="{left}" y="{y}" width="{width - left - 150}" height="{bar_h}" class="track"/>'
                     f'<rect x="{left}" y="{y}" width="{max(bw, 1):.1f}" height="{bar_h}" fill="{PALETTE[i % 8]}"/>'
                     f'<text x="{left + max(bw, 1) + 4:.1f}" y="{y + 14}" class="val">{_esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_stacked(label: str, segments: list[tuple[str, float]], capacity: float, width: int = 520) -> str:
    """One bar of segments against a capacity, with an HTML legend under it (it wraps on a phone)."""
    left, bar_h = 70, 24
    scale = (width - left - 10) / capacity
    parts = [f'<svg viewBox="0 0 {width} 30" class="chart" role="img" aria-label="{_esc(label)}">'
             f'<text x="{left - 8}" y="18" text-anchor="end" class="lab">{_esc(label)}</text>'
             f'<rect x="{left}" y="2" width="{width - left - 10}" height="{bar_h}" class="track"/>']
    legend = []
    x = float(left)
    for i, (name, v) in enumerate(segments):
        color = "#e2e8f0" if name == "free" else PALETTE[i % 8]  # free space: the empty track
        parts.append(f'<rect x="{x:.2f}" y="2" width="{max(v * scale, 0.8):.2f}" height="{bar_h}" '
                     f'fill="{color}"><title>{_esc(name)}: {_kb(v)}</title></rect>')
        x += v * scale
        legend.append(f'<span><i style="background:{color}"></i>{_esc(name)} {_kb(v)}</span>')
    parts.append("</svg>")
    return "".join(parts) + f'<p class="legend">{"".join(legend)}</p>'


def _svg_lines(series: list[tuple[str, list[float]]], title: str, width: int = 460, height: int = 220) -> str:
    pts = [v for _, ys in series for v in ys if v == v]
    if not pts:
        return ""
    lo, hi = min(pts), max(pts)
    if hi - lo < 1e-12:
        hi = lo + 1.0
    n = max(len(ys) for _, ys in series)
    left, right, top, bottom = 46, 10, 22, 26
    x = lambda i: left + (width - left - right) * (i / max(n - 1, 1))  # noqa: E731
    y = lambda v: top + (height - top - bottom) * (1 - (v - lo) / (hi - lo))  # noqa: E731
    parts = [f'<svg viewBox="0 0 {width} {height + 16 * ((len(series) + 1) // 2)}" class="chart" role="img">'
             f'<text x="{left}" y="14" class="lab">{_esc(title)}</text>']
    for t in np.linspace(lo, hi, 4):
        parts.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{width - right}" y2="{y(t):.1f}" class="grid"/>'
                     f'<text x="{left - 4}" y="{y(t) + 4:.1f}" class="tick" text-anchor="end">{t:.3g}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 6}" class="tick" text-anchor="end">epoch ({n})</text>')
    for i, (name, ys) in enumerate(series):
        path = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in enumerate(ys) if v == v)
        dash = ' stroke-dasharray="5,3"' if name.endswith("val") else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[i % 8]}" stroke-width="1.8"{dash}/>')
        lx, ly = left + (i % 2) * (width - left) / 2, height + 12 + 16 * (i // 2)
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="3" fill="{PALETTE[i % 8]}"/>'
                     f'<text x="{lx + 14:.1f}" y="{ly - 4}" class="tick">{_esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_roc(roc: dict, size: int = 300) -> str:
    m = 34
    s = size - m - 8
    pts = " ".join(f"{m + s * f:.1f},{8 + s * (1 - t):.1f}" for f, t in zip(roc["fpr"], roc["tpr"]))
    return (f'<svg viewBox="0 0 {size} {size}" class="chart square" role="img" aria-label="ROC curve">'
            f'<rect x="{m}" y="8" width="{s}" height="{s}" class="track"/>'
            f'<line x1="{m}" y1="{8 + s}" x2="{m + s}" y2="8" class="grid"/>'
            f'<polyline points="{pts}" fill="none" stroke="#2b6cb0" stroke-width="2"/>'
            f'<text x="{m + s / 2}" y="{size - 2}" class="tick" text-anchor="middle">false positive rate</text>'
            f'<text x="10" y="{8 + s / 2}" class="tick" transform="rotate(-90 10 {8 + s / 2})" '
            f'text-anchor="middle">true positive rate</text>'
            f'<text x="{m + s - 6}" y="{8 + s - 8}" class="val" text-anchor="end">AUC {roc["auc"]:.4f}</text></svg>')


def _svg_hist(groups: list[tuple[str, list[float]]], width: int = 460, height: int = 220, bins: int = 30) -> str:
    allv = [v for _, vs in groups for v in vs]
    if not allv:
        return ""
    edges = np.linspace(min(allv), max(allv) + 1e-12, bins + 1)
    counts = [np.histogram(vs, edges)[0] for _, vs in groups]
    top_c = max(int(c.max()) for c in counts) or 1
    left, bottom = 30, 30
    bw = (width - left - 8) / bins
    parts = [f'<svg viewBox="0 0 {width} {height + 18}" class="chart" role="img" aria-label="score histograms">']
    for g, (name, _) in enumerate(groups):
        for k, c in enumerate(counts[g]):
            if c:
                hh = (height - bottom - 8) * c / top_c
                parts.append(f'<rect x="{left + k * bw:.1f}" y="{height - bottom - hh:.1f}" width="{bw - 1:.1f}" '
                             f'height="{hh:.1f}" fill="{PALETTE[(g * 3) % 8]}" fill-opacity="0.6"/>')
        parts.append(f'<rect x="{left + g * 140}" y="{height + 4}" width="10" height="10" '
                     f'fill="{PALETTE[(g * 3) % 8]}"/><text x="{left + g * 140 + 14}" y="{height + 13}" '
                     f'class="tick">{_esc(name)} ({len(groups[g][1])})</text>')
    parts.append(f'<text x="{left}" y="{height - bottom + 16}" class="tick">{edges[0]:.3g}</text>'
                 f'<text x="{width - 8}" y="{height - bottom + 16}" class="tick" text-anchor="end">{edges[-1]:.3g}'
                 f'</text><text x="{width / 2}" y="{height - bottom + 16}" class="tick" text-anchor="middle">'
                 f'anomaly score (device)</text></svg>')
    return "".join(parts)


# ------------------------------------------------------------------ HTML
def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(_num(v) if not isinstance(v, str) else v)}</td></tr>"
                   for k, v in rows)
    return f'<div class="scroll"><table class="kv">{body}</table></div>'


def _grid_table(head: list[str], rows: list[list[str]], num_from: int = 1) -> str:
    th = "".join(f"<th>{_esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i >= num_from else ""}>{c}</td>' for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    return f'<div class="scroll"><table class="grid"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def _per_op_section(per_op: list[dict], total: int | None) -> str:
    if not per_op:
        return "<p>No per-operator profile (board not emulated, or the profile failed).</p>"
    groups: dict[str, dict] = {}
    for o in per_op:
        g = groups.setdefault(o["opcode"], {"n": 0, "instr": 0, "macs": 0})
        g["n"] += 1
        g["instr"] += int(o["instructions"])
        g["macs"] += int(o.get("macs") or 0)
    whole = sum(g["instr"] for g in groups.values()) or 1
    rows = []
    for name, g in sorted(groups.items(), key=lambda kv: -kv[1]["instr"]):
        share = 100 * g["instr"] / whole
        rows.append([_esc(name), f"{g['n']}", f"{g['instr']:,}", f'<span class="bar" style="width:{0.6 * share:.1f}px">'
                     f'</span>{share:.1f}%', f"{g['macs']:,}" if g["macs"] else "-",
                     f"{g['instr'] / g['macs']:.2f}" if g["macs"] else "-"])
    top = sorted(per_op, key=lambda o: -int(o["instructions"]))[:10]
    top_rows = [[str(o["op"]), _esc(o["opcode"]), _esc(o.get("kernel", "")), f"{int(o['instructions']):,}",
                 f"{100 * int(o['instructions']) / whole:.1f}%", _esc(o.get("detail") or "")] for o in top]
    return ("<h3>By operator type</h3>" + _grid_table(["operator", "count", "instructions", "share", "MACs",
                                                        "instr/MAC"], rows)
            + f'<p class="note">{len(per_op)} operator calls, {whole:,} instructions in all (QEMU -icount shift=0, '
              f'one inference, profiling build).</p>'
            + "<h3>The ten costliest calls</h3>"
            + _grid_table(["#", "operator", "kernel", "instructions", "share", "detail"], top_rows, num_from=3))


def _confusion(conf: dict) -> str:
    m = np.asarray(conf["matrix"])
    classes = conf["classes"]
    peak = max(int(m.max()), 1)
    head = "<tr><th>true \\ predicted</th>" + "".join(f"<th class=v>{_esc(c)}</th>" for c in classes) + "</tr>"
    body = ""
    for i, c in enumerate(classes):
        cells = ""
        for j in range(len(classes)):
            v = int(m[i, j])
            a = 0.08 + 0.85 * v / peak if v else 0
            style = f' style="background:rgba(43,108,176,{a:.2f});color:{"#fff" if a > 0.5 else "#111"}"' if v else ""
            cells += f"<td class=n{style}>{v if v else ''}</td>"
        recall = m[i, i] / max(int(m[i].sum()), 1)
        body += f"<tr><th>{_esc(c)}</th>{cells}<td class=n>{100 * recall:.0f}%</td></tr>"
    head = head.replace("</tr>", "<th>recall</th></tr>")
    return f'<div class="scroll"><table class="grid conf">{head}{body}</table></div>'


CSS = """
:root{--fg:#1a202c;--mute:#5a6473;--line:#e2e8f0;--ok:#2f855a;--bad:#c53030}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);
margin:0 auto;max-width:1040px;padding:12px}h1{font-size:1.35em;margin:.2em 0}h2{font-size:1.1em;margin:1.6em 0 .5em;
border-bottom:1px solid var(--line);padding-bottom:.2em}h3{font-size:.98em;margin:1.1em 0 .4em}
.sub{color:var(--mute);margin:0 0 .8em}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));
gap:10px}.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;border-top:4px solid var(--ok)}
.card.bad{border-top-color:var(--bad)}.card h2{border:0;margin:0;font-size:.8em;text-transform:uppercase;
letter-spacing:.05em;color:var(--mute)}.big{font-size:1.55em;font-weight:650;margin:.1em 0}.card p{margin:.2em 0;
font-size:.9em;color:var(--mute)}.chart{width:100%;height:auto;max-width:680px;display:block}.chart.square{max-width:320px}
.chart text{font-size:12px;fill:var(--fg)}.chart .tick{font-size:11px;fill:var(--mute)}.chart .val{font-weight:600}
.grid line,.chart .grid{stroke:#cbd5e0;stroke-width:1}.chart .track{fill:#edf2f7}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.9em}th,td{padding:3px 8px;border-bottom:1px solid var(--line);
text-align:left;vertical-align:top}table.kv th{color:var(--mute);font-weight:500;white-space:nowrap}
table.grid thead th{border-bottom:2px solid #a0aec0}td.n{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}.bar{display:inline-block;height:.7em;background:#2b6cb0;margin-right:6px;max-width:60px}
td.share{min-width:110px}.legend{margin:0 0 10px 60px;font-size:.82em;color:var(--mute);display:flex;
flex-wrap:wrap;gap:4px 14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.conf th.v{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:500}.note{color:var(--mute);font-size:.85em}
pre{background:#f7fafc;border:1px solid var(--line);padding:8px;overflow-x:auto;font-size:.85em;white-space:pre-wrap;
word-break:break-all}.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
"""


def render_html(report: dict) -> str:
    """report.html from report.json's content alone."""
    mem, dev, tflm, q = report["memory"], report["device"], report.get("tflm", {}), report["quality"]
    s = summary(report)
    metric = _metric_name(report)
    fits = mem["flash_bytes"] <= mem["flash_capacity"] and mem["ram_bytes"] <= mem["ram_capacity"]
    agree = dev["agreement_with_host"] == 1.0 and (dev.get("host_identical_to_tflm") in (None, dev["examples"]))
    dq, hq = q.get("student_int8_device"), q.get("student_int8")

    def card(title: str, big: str, lines: list[str], ok: bool = True) -> str:
        return (f'<section class="card{"" if ok else " bad"}"><h2>{_esc(title)}</h2><div class="big">{_esc(big)}</div>'
                + "".join(f"<p>{_esc(t)}</p>" for t in lines) + "</section>")

    cards = [
        card("Does it fit?", "yes" if fits else "no",
             [f"flash {_kb(mem['flash_bytes'])} of {_kb(mem['flash_capacity'])} "
              f"({100 * mem['flash_bytes'] / mem['flash_capacity']:.1f}%)",
              f"RAM {_kb(mem['ram_bytes'])} of {_kb(mem['ram_capacity'])} "
              f"({100 * mem['ram_bytes'] / mem['ram_capacity']:.1f}%)",
              s.get("vs TFLM", "")], fits),
        card("How fast?", f"{dev['latency_ms']:.1f} ms" if dev.get("latency_ms") is not None else "-",
             [s.get("speed", "").split(" (", 1)[-1].rstrip(")"),
              f"{dev['instructions_per_mac']:.2f} instructions per MAC" if dev.get("instructions_per_mac") else "",
              f"{(report['model'].get('macs') or 0):,} MACs"]),
        card("How good?", f"{metric} {_num(dq)}",
             [f"on the device, {dev['examples']} test examples" if dq is not None else "",
              f"int8 with TFLM {_num(hq)}, test split", f"teacher {_num(q.get('teacher_float'))}"]),
        card("Can I trust it?", "bit-exact" if agree else "differences",
             [t for t in s["trust"].replace(" (outputs compared byte for byte)", "").split("; ")]
             + ["outputs compared byte for byte"], agree),
    ]
    mem_charts = (
        _svg_stacked("flash", [("code", mem["code_bytes"]), ("weights", mem["weights_bytes"]),
                               ("free", mem["flash_capacity"] - mem["flash_bytes"])], mem["flash_capacity"])
        + _svg_stacked("RAM", [("arena", mem["arena_bytes"]), ("I/O", mem.get("io_bytes", 0)),
                               ("stack", mem.get("stack_bytes", 0)),
                               ("rest", mem["ram_bytes"] - mem["arena_bytes"] - mem.get("io_bytes", 0)
                                - mem.get("stack_bytes", 0)),
                               ("free", mem["ram_capacity"] - mem["ram_bytes"])], mem["ram_capacity"]))
    vs = []
    if tflm.get("arena_bytes"):
        top = max(mem["arena_bytes"], tflm["arena_bytes"])
        vs.append("<h3>Arena: tinyslm vs TFLM, same model</h3>" + _svg_hbars(
            [("tinyslm arena", mem["arena_bytes"], _kb(mem["arena_bytes"])),
             ("TFLM arena", tflm["arena_bytes"], _kb(tflm["arena_bytes"]))], top))
    if tflm.get("flash_lower_bound"):
        top = max(mem["flash_bytes"], tflm["flash_lower_bound"])
        vs.append("<h3>Flash: tinyslm firmware vs TFLM, same model</h3>" + _svg_hbars(
            [("tinyslm firmware", mem["flash_bytes"], _kb(mem["flash_bytes"])),
             ("TFLM, at least", tflm["flash_lower_bound"], _kb(tflm["flash_lower_bound"]))], top)
            + f'<p class="note">TFLM\'s arena is its own allocator\'s figure for this model (host build). Its flash is '
              f'a lower bound: the .tflite it keeps in flash ({_kb(tflm.get("tflite_bytes"))}) plus the smallest '
              f'TFLM + CMSIS-NN runtime measured here ({_kb(TFLM_MIN_TEXT)}, for the 3 operators of ad01); the '
              f'tinyslm figure is the whole firmware: model, kernels, protocol, board code.</p>')
    model = report["model"]
    ops = ", ".join(f"{k} ×{v}" for k, v in model.get("op_counts", {}).items()) or ", ".join(model.get("ops", []))
    qv = report.get("quality_val") or {}
    stage_rows = [[_esc(label), _num(q.get(k)), _num(qv.get(k)) if qv else "-"] for k, label in STAGES
                  if q.get(k) is not None]
    ds = report["dataset"]
    sec = report.get("seconds") or {}
    raw = report.get("raw_audio") or {}
    parts = [
        f'<header><h1>tinyslm build: {_esc(report["task"])} on {_esc(report["board"])}</h1>'
        f'<p class="sub">{_esc(report.get("board_info", {}).get("description", ""))} · build '
        f'{_esc(report["build_id"])} · seed {_esc(report["seed"])} · {_esc(report["profile"])} profile'
        + (f' · MLPerf Tiny {_esc(report["mlperf"])}' if report.get("mlperf") else "") + "</p></header>",
        f'<div class="cards" id="summary">{"".join(cards)}</div>',
        f"<h2>Quality of every stage ({_esc(metric)})</h2>" + _svg_stage_bars(report)
        + _grid_table(["stage", "test", "validation"], stage_rows),
        "<h2>Memory</h2>" + mem_charts + "".join(vs) + _table([
            ("flash (code + weights)", _kb(mem["flash_bytes"])), ("code", _kb(mem["code_bytes"])),
            ("weights and tables", _kb(mem["weights_bytes"])), ("RAM", _kb(mem["ram_bytes"])),
            ("arena", _kb(mem["arena_bytes"])), ("I/O buffers", _kb(mem.get("io_bytes"))),
            ("stack", _kb(mem.get("stack_bytes"))), ("TFLM arena", _kb(tflm.get("arena_bytes")))]),
        "<h2>Speed</h2>" + _table([
            ("latency", f"{dev['latency_ms']:.2f} ms" if dev.get("latency_ms") is not None else "-"),
            ("basis", dev.get("latency_basis", "")),
            ("instructions per inference", dev.get("instructions_per_inference")),
            ("board clock", f"{dev.get('clock_hz', 0) / 1e6:g} MHz"),
            ("instructions per MAC", dev.get("instructions_per_mac")),
            ("MACs", model.get("macs")), ("measured on", dev.get("where", ""))]),
        "<h2>Cost of each operator on the device</h2>" + _per_op_section(dev.get("per_op") or [],
                                                                          dev.get("instructions_per_inference")),
    ]
    if report.get("confusion"):
        parts.append("<h2>Confusion matrix (int8 model, test split)</h2>" + _confusion(report["confusion"]))
    if report.get("scores"):
        sc = report["scores"]
        parts.append("<h2>ROC and anomaly scores (device reconstructions)</h2><div class=two>"
                     + (_svg_roc(sc["roc"]) if sc.get("roc") else "<p>One class only: no ROC.</p>")
                     + _svg_hist([("normal", sc["normal"]), ("anomalous", sc["anomalous"])]) + "</div>")
    curves = report.get("curves") or {}
    if curves:
        loss = [(f"{n} {'val' if k == 'val_loss' else 'train'}", c[k]) for n, c in curves.items()
                for k in ("loss", "val_loss") if k in c]
        metric_series = [(f"{n} {k}", v) for n, c in curves.items() for k, v in c.items()
                         if k.startswith("val_") and k != "val_loss"]
        parts.append("<h2>Training curves</h2><div class=two>" + _svg_lines(loss, "loss")
                     + _svg_lines(metric_series, "validation metric") + "</div>")
    parts.append("<h2>Model</h2>" + _table([
        ("parameters (float student)", model.get("params")), ("MACs", model.get("macs")),
        ("zero weights", f"{100 * model['sparsity']:.1f}%" if model.get("sparsity") is not None else "-"),
        (".tflite", _kb(model.get("tflite_bytes"))), ("operators", ops)]))
    parts.append("<h2>Data</h2>" + _table([("source", ds.get("source")), ("folder", ds.get("root")),
                                           ("train / validation / test", f"{_num(ds.get('n_train'))} / "
                                            f"{_num(ds.get('n_val'))} / {_num(ds.get('n_test'))}")]))
    if raw.get("clips"):
        parts.append("<h2>Raw audio on the device</h2>" + _table([(k.replace("_", " "), v) for k, v in raw.items()
                                                                   if not isinstance(v, (list, dict))]))
    if sec:
        rows = [[_esc(k), f"{v:,.1f}"] for k, v in sec.get("steps", {}).items()]
        rows.append(["<b>total</b>", f"<b>{sec.get('total', 0):,.1f}</b>"])
        train_rows = [[_esc(k), f"{v:,.1f}"] for k, v in sec.get("train", {}).items()]
        parts.append("<h2>Time (wall seconds)</h2><div class=two>" + _grid_table(["step", "seconds"], rows)
                     + (_grid_table(["training part", "seconds"], train_rows) if train_rows else "") + "</div>")
    parts.append(f"<h2>Reproduce</h2><pre>{_esc(report.get('command', ''))}</pre>"
                 "<p class=note>Same command, same seed: the same .tflite, C and firmware bytes; finished steps "
                 "are skipped when run again in the same folder.</p>")
    title = f"tinyslm build: {report['task']} on {report['board']}"
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{_esc(title)}</title><style>{CSS}</style></head>\n<body>\n" + "\n".join(parts)
            + "\n</body></html>\n")
