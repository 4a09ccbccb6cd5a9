"""The report's charts as inline SVG (no scripts, no network): stage bars, horizontal bars, stacked
memory bars against a capacity, line plots, ROC, histograms."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from .summary import STAGES, _kb


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
