"""What a search leaves for its user: the Pareto front in ``tune.json`` and ``tune.html`` (plot + table)."""

from __future__ import annotations

import html
import io
import json
from pathlib import Path

from ..errors import TinyslmError


def pareto_front(points: list[dict], quality: str = "quality", cost: str = "instructions_est",
                 maximize: bool = True) -> list[dict]:
    """The non-dominated points (higher `quality`, or lower with ``maximize=False``, e.g. bits per character;
    lower `cost`), cheapest first. A point is dominated when another is at least as good on both and better
    on one; of exact duplicates the first is kept.

    >>> pts = [dict(id=i, quality=q, instructions_est=c) for i, (q, c) in enumerate([(0.9, 5), (0.8, 3), (0.85, 6),
    ...                                                                             (0.9, 5), (0.95, 9), (0.7, 3)])]
    >>> [p["id"] for p in pareto_front(pts)]
    [1, 0, 4]
    >>> [p["id"] for p in pareto_front(pts, maximize=False)]
    [5]
    """
    sign = 1.0 if maximize else -1.0
    order = sorted(points, key=lambda p: (p[cost], -sign * p[quality]))
    front: list[dict] = []
    for p in order:
        if not front or sign * p[quality] > sign * front[-1][quality]:
            if front and p[cost] == front[-1][cost]:
                continue  # same cost, already the best quality at that cost
            front.append(p)
    return front


def dominated(p: dict, others: list[dict], quality: str = "quality", cost: str = "instructions_est",
              maximize: bool = True) -> bool:
    """Whether some point of `others` dominates `p`."""
    sg = 1.0 if maximize else -1.0
    return any(sg * o[quality] >= sg * p[quality] and o[cost] <= p[cost]
               and (sg * o[quality] > sg * p[quality] or o[cost] < p[cost]) for o in others)


def load(tune_dir: Path) -> dict:
    path = Path(tune_dir) / "tune.json"
    if not path.exists():
        raise TinyslmError(f"no tune.json in {tune_dir}", where=str(tune_dir),
                           hint="run `tinyslm tune kws|anomaly|lm --board B --out DIR` first (it writes DIR/tune.json)")
    return json.loads(path.read_text())


def pick(tune: dict, n: int, where: str) -> dict:
    front = tune.get("front") or []
    if not 0 <= n < len(front):
        raise TinyslmError(f"--pick {n}: the front in {where} has {len(front)} point(s), numbered 0..{len(front) - 1}",
                           hint="see tune.html or tune.json's 'front' (cheapest first)")
    return front[n]


def _kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def plot_svg(tune: dict) -> str:
    """Quality vs instructions (every fitting trial, coloured by RAM; the front joined) and RAM vs flash (the
    board's limits drawn), as inline SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trials = [t for t in tune["trials"] if t.get("final") and t.get("fits")]
    front = tune["front"]
    lim = tune["limits"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
    if trials:
        sc = ax.scatter([t["instructions_est"] / 1e6 for t in trials], [t["quality"] for t in trials],
                        c=[t["ram_bytes"] / 1024 for t in trials], s=[20 + 60 * t["flash_bytes"] / lim["flash_bytes"]
                                                                      for t in trials],
                        cmap="viridis", vmin=0, vmax=lim["ram_bytes"] / 1024, edgecolors="k", linewidths=0.4)
        fig.colorbar(sc, ax=ax, label=f"RAM (KB; board {lim['ram_bytes'] / 1024:,.0f} KB)")
    ax.plot([p["instructions_est"] / 1e6 for p in front], [p["quality"] for p in front], "r-", lw=1, label="front")
    for p in front:
        ax.annotate(str(p["pick"]), (p["instructions_est"] / 1e6, p["quality"]), textcoords="offset points",
                    xytext=(4, 4), fontsize=8, color="r")
    measured = [p for p in front if p.get("instructions_measured")]
    if measured:
        ax.scatter([p["instructions_measured"] / 1e6 for p in measured], [p["quality"] for p in measured],
                   marker="x", color="r", label="front, measured in QEMU")
    ax.set_xlabel("instructions per inference (M, estimated from the plan)")
    ax.set_ylabel(tune["quality_metric"])
    if tune.get("quality_lower_is_better"):
        ax.invert_yaxis()  # better up, as for the other tasks
    ax.set_title("quality vs cost (size: flash)")
    ax.legend(fontsize=8, loc="lower right")
    if trials:
        bx.scatter([t["ram_bytes"] / 1024 for t in trials], [t["flash_bytes"] / 1024 for t in trials], c="0.6",
                   s=18, label="trials")
    bx.scatter([p["ram_bytes"] / 1024 for p in front], [p["flash_bytes"] / 1024 for p in front], c="r", s=24,
               label="front")
    bx.axvline(lim["ram_bytes"] / 1024, color="k", ls="--", lw=1)
    bx.axhline(lim["flash_bytes"] / 1024, color="k", ls="--", lw=1)
    bx.set_xlabel(f"RAM (KB), board limit {lim['ram_bytes'] / 1024:,.0f} KB (dashed)")
    bx.set_ylabel(f"flash (KB), board limit {lim['flash_bytes'] / 1024:,.0f} KB (dashed)")
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_title(f"memory on {tune['board']}")
    bx.legend(fontsize=8)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def write_html(tune: dict, path: Path) -> None:
    cols = ["pick", "describe", "quality", "instructions_est", "instructions_measured", "macs", "arena_bytes",
            "ram_bytes", "flash_bytes", "id"]
    names = {"describe": "student", "instructions_est": "instructions (estimated)",
             "instructions_measured": "instructions (QEMU)", "arena_bytes": "arena", "ram_bytes": "RAM",
             "flash_bytes": "flash", "macs": "MACs", "id": "trial"}
    head = "".join(f"<th>{html.escape(names.get(c, c))}</th>" for c in cols)

    def cell(p: dict, c: str) -> str:
        v = p.get(c)
        if v is None:
            return "-"
        if c in ("ram_bytes", "flash_bytes", "arena_bytes"):
            return _kb(v)
        if isinstance(v, float):
            return f"{v:.4f}"
        if isinstance(v, int):
            return f"{v:,d}"
        return html.escape(str(v))

    rows = "".join("<tr>" + "".join(f"<td>{cell(p, c)}</td>" for c in cols) + "</tr>" for p in tune["front"])
    others = [t for t in tune["trials"] if t["id"] not in {p["id"] for p in tune["front"]}]
    orows = "".join(f"<tr><td>{html.escape(t['id'])}</td><td>{html.escape(t.get('describe', ''))}</td>"
                    f"<td>{html.escape(t['status'])}</td><td>{cell(t, 'quality')}</td>"
                    f"<td>{cell(t, 'instructions_est')}</td><td>{cell(t, 'ram_bytes')}</td>"
                    f"<td>{cell(t, 'flash_bytes')}</td></tr>" for t in others)
    lim = tune["limits"]
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>tinyslm tune {html.escape(tune['task'])} on
{html.escape(tune['board'])}</title><style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}td:nth-child(2){{text-align:left}}</style></head><body>
<h1>tinyslm tune {html.escape(tune['task'])} on {html.escape(tune['board'])}</h1>
<p>{len(tune['trials'])} trials ({html.escape(tune['ray']['search'])}, {html.escape(tune['ray']['scheduler'])});
quality: {html.escape(tune['quality_metric'])}; board: RAM {_kb(lim['ram_bytes'])}, flash {_kb(lim['flash_bytes'])}.
Build a point: <code>tinyslm build --from-tune DIR --pick N</code>.</p>
{plot_svg(tune)}
<h2>Pareto front (quality vs instructions, cheapest first{'; quality: lower is better' if tune.get('quality_lower_is_better') else ''})</h2>
<table><tr>{head}</tr>{rows}</table>
<h2>Other trials</h2>
<table><tr><th>id</th><th>student</th><th>status</th><th>quality</th><th>instructions (est.)</th><th>RAM</th>
<th>flash</th></tr>{orows}</table></body></html>
"""
    path.write_text(page)
