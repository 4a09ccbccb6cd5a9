"""report.html: the page drawn from report.json alone (tables, sections, CSS) by `render_html`."""

from __future__ import annotations

from typing import Any

import numpy as np

from .charts import (
    _esc,
    _svg_hbars,
    _svg_hist,
    _svg_lines,
    _svg_roc,
    _svg_stacked,
    _svg_stage_bars,
)
from .summary import STAGES, TFLM_MIN_TEXT, _kb, _metric_name, _num, summary


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
              "built for size (-Os): the speed build does not fit the flash" if mem.get("optimize") == "size"
              else "", s.get("vs TFLM", "")], fits),
        card("How fast?", f"{dev['latency_ms']:.1f} ms" if dev.get("latency_ms") is not None else "-",
             [s.get("speed", "").split(" (", 1)[-1].rstrip(")"),
              f"{dev['instructions_per_mac']:.2f} instructions per MAC" if dev.get("instructions_per_mac") else "",
              f"{(report['model'].get('macs') or 0):,} MACs"]),
        card("How good?", f"{metric} {_num(dq)}",
             [f"on the device, {dev['examples']} test examples" if dq is not None else "",
              f"int8 with TFLM {_num(hq)}, test split", f"teacher {_num(q.get('teacher_float'))}",
              f"fresh test set (another seed) {_num(q.get('test_fresh'))}" if q.get("test_fresh") is not None else "",
              f"held-out engine ({(report.get('fresh') or {}).get('other_engine', '')}) "
              f"{_num(q.get('test_other_engine'))}" if q.get("test_other_engine") is not None else "",
              f"other machines (another seed's) {_num(q.get('test_other_machines'))}"
              if q.get("test_other_machines") is not None else ""]),
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
        + _grid_table(["stage", "test", "validation"], stage_rows)
        + (f'<p class="note">int8: {_esc(report["quantization"]["why"])}</p>' if report.get("quantization") else ""),
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
