"""report.html: rendered from report.json alone, in headless Chromium (Debian's `chromium`), at a phone's size
and a desktop's: no console errors, the four answers on the first screen, nothing wider than a phone.

The fixtures: tests/report/kws_quick.json is the report.json of a real `tinyslm build kws --quick`
(tests/report/kws_quick.png is its report at a desktop's width, shown in the README); the anomaly report
is built by hand here, with the scores and ROC that the anomaly task adds.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinyslm.report import render_html, summary_lines

HERE = Path(__file__).resolve().parent
KWS_JSON = HERE / "report" / "kws_quick.json"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Run inside the page after it loads: what the test reads back (through the title of the dumped DOM).
PROBE = """<script>
addEventListener('load', () => {
  const s = document.getElementById('summary').getBoundingClientRect();
  const cards = [...document.querySelectorAll('#summary .card')];
  document.title = 'PROBE' + JSON.stringify({
    scroll: document.documentElement.scrollWidth, width: innerWidth, height: innerHeight,
    top: s.top, bottom: s.bottom, cards: cards.map(c => c.innerText),
    svgs: document.querySelectorAll('svg').length, h2: [...document.querySelectorAll('h2')].map(h => h.innerText)});
});
</script>"""


def anomaly_report() -> dict:
    rng = np.random.default_rng(0)
    normal, anomalous = rng.gamma(2.0, 0.02, 100), rng.gamma(2.0, 0.02, 100) + 0.06
    fpr = np.linspace(0, 1, 21)
    return {
        "task": "anomaly", "board": "mps2-an386",
        "board_info": {"description": "ARM MPS2+ AN386, Cortex-M4F, 25 MHz (QEMU)", "clock_hz": 25_000_000,
                       "flash_bytes": 4_194_304, "ram_bytes": 4_194_304},
        "dataset": {"source": "synthetic", "root": "runs/ad/data", "n_train": 1296, "n_val": None, "n_test": 200},
        "model": {"params": 48072, "macs": 1_587_456, "ops": ["FULLY_CONNECTED", "ADD"],
                  "op_counts": {"FULLY_CONNECTED": 14, "ADD": 9}, "sparsity": 0.0, "tflite_bytes": 61234},
        "quality": {"metric": "roc_auc", "teacher_float": 0.9847, "student_alone_float": 0.9808,
                    "student_distilled_float": 0.9809, "student_pruned_float": 0.9801, "student_int8": 0.98,
                    "student_int8_device": 0.9795, "threshold": 0.05, "decision": "score > threshold"},
        "memory": {"flash_bytes": 101_000, "weights_bytes": 65_952, "code_bytes": 35_048, "arena_bytes": 11_264,
                   "io_bytes": 2_560, "stack_bytes": 8_192, "ram_bytes": 22_600, "flash_capacity": 4_194_304,
                   "ram_capacity": 4_194_304},
        "device": {"instructions_per_inference": 3_692_240, "cycles_per_inference": None, "latency_ms": 147.68956,
                   "clock_hz": 25_000_000, "latency_basis": "instructions at the board's clock",
                   "instructions_per_mac": 2.33, "agreement_with_host": 1.0, "examples": 200, "identical": 200,
                   "host_identical_to_tflm": 200, "where": "qemu (mps2-an386)",
                   "per_op": [{"op": i, "opcode": "FULLY_CONNECTED" if i % 2 else "ADD", "kernel": "tslm_fc_s8",
                               "macs": 40_000 if i % 2 else 0, "instructions": 90_000 + 1000 * i, "detail": ""}
                              for i in range(23)]},
        "quality_val": {},
        "tflm": {"arena_bytes": 37_520, "tflite_bytes": 61234, "flash_lower_bound": 61234 + 32704},
        "raw_audio": {}, "build_id": "0123456789ab", "mlperf": None, "seed": 0, "profile": "default",
        "command": "tinyslm build anomaly --board mps2-an386 --out runs/ad1 --seed 0",
        "curves": {"teacher": {"loss": list(np.linspace(1, 0.2, 30)), "val_loss": list(np.linspace(1.1, 0.3, 30))},
                   "student_distilled": {"loss": list(np.linspace(0.9, 0.25, 30))}},
        "scores": {"normal": normal.tolist(), "anomalous": anomalous.tolist(),
                   "roc": {"fpr": fpr.tolist(), "tpr": np.sqrt(fpr).tolist(), "auc": 0.9795}},
        "seconds": {"steps": {"data": 20.1, "features": 3.2, "train": 90.5, "firmware": 9.9, "device": 5.0,
                              "report": 0.1}, "total": 128.8, "train": {"teacher": 30.2, "student_alone": 25.0}},
    }


def kws_report() -> dict:
    if not KWS_JSON.exists():
        pytest.fail(f"missing fixture {KWS_JSON}")
    return json.loads(KWS_JSON.read_text())


def render_in_chromium(page: str, tmp_path: Path, width: int, height: int) -> tuple[dict, list[str]]:
    """Load the page in headless Chromium: what the probe measured, and every console message."""
    if CHROMIUM is None:
        pytest.skip("needs Chromium (Debian: apt-get install chromium; .ci/setup installs it)")
    f = tmp_path / f"page_{width}.html"
    f.write_text(page.replace("</body>", PROBE + "</body>"))
    r = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--no-first-run", "--disable-extensions", f"--window-size={width},{height}",
                        "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom", f.as_uri()],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r"<title>PROBE(.*?)</title>", r.stdout, re.S)
    assert m, f"the page did not load or the probe did not run: {r.stdout[:500]} {r.stderr[-2000:]}"
    import html

    console = [line for line in r.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(html.unescape(m.group(1))), console


@pytest.mark.parametrize("which", ["kws", "anomaly"])
def test_report_renders_in_chromium_on_a_phone(which, tmp_path):
    report = kws_report() if which == "kws" else anomaly_report()
    page = render_html(report)
    phone, console = render_in_chromium(page, tmp_path, 390, 844)
    assert console == []  # no script errors, no invalid SVG attribute values
    assert len(phone["cards"]) == 4
    for card, title in zip(phone["cards"], ("DOES IT FIT?", "HOW FAST?", "HOW GOOD?", "CAN I TRUST IT?")):
        assert card.upper().startswith(title)
    assert phone["scroll"] <= phone["width"]  # nothing wider than the phone (wide tables scroll inside)
    assert phone["top"] < 300  # the summary starts on the first screen
    dev = report["device"]
    assert f"{dev['latency_ms']:.1f} ms" in phone["cards"][1]  # latency at the board's clock...
    assert f"{dev['instructions_per_inference']:,} instructions" in phone["cards"][1]  # ...beside the count
    assert "bit-exact" in phone["cards"][3] and f"{dev['examples']}/{dev['examples']}" in phone["cards"][3]
    sections = " | ".join(phone["h2"])
    assert phone["svgs"] >= 5
    for heading in ("Quality of every stage", "Memory", "Cost of each operator", "Training curves", "Reproduce"):
        assert heading in sections
    assert ("Confusion matrix" in sections) if which == "kws" else ("ROC and anomaly scores" in sections)


def test_all_four_answers_on_a_desktops_first_screen(tmp_path):
    desk, console = render_in_chromium(render_html(kws_report()), tmp_path, 1280, 900)
    assert console == [] and len(desk["cards"]) == 4 and desk["bottom"] <= 900


def test_the_probe_sees_errors_and_overflow(tmp_path):
    """The checks above can fail: a console error and a page wider than the phone are both seen."""
    bad = render_html(anomaly_report()).replace(
        "</body>", '<div style="width:2000px">wide</div><svg><rect width="-1" height="1"/></svg></body>')
    probe, console = render_in_chromium(bad, tmp_path, 390, 844)
    assert probe["scroll"] > probe["width"] and any("negative value" in line for line in console)


def test_report_is_self_contained_and_has_no_python_reprs():
    page = render_html(kws_report())
    assert "<script" not in page and "http://" not in page and "https://" not in page and " src=" not in page
    text = re.sub(r"<[^>]+>", " ", page)
    assert "{'" not in text and "['" not in text and "None" not in text  # no dicts, lists or None printed raw
    assert "FULLY_CONNECTED ×" in page  # the operators as a counted list
    report = kws_report()
    assert report["command"] in page and report["command"].startswith("tinyslm build kws")


def test_terminal_summary_has_the_same_answers():
    report = kws_report()
    lines = summary_lines(report)
    text = "\n".join(lines)
    assert lines[0].startswith("+") and lines[-1] == lines[0]
    for key in ("fits", "vs TFLM", "speed", "quality", "trust", "time"):
        assert re.search(rf"^\| {re.escape(key)}\s+\| ", text, re.M), key
    dev = report["device"]
    assert f"{dev['latency_ms']:.1f} ms per inference ({dev['instructions_per_inference']:,} instructions" in text
    assert f"{report['quality']['student_int8_device']:.4f}" in text


def test_write_report_reads_what_the_steps_measured(tmp_path, monkeypatch):
    """write_report runs no emulator, compiler or benchmark: it lays out the steps' results, and report.html is
    report.json rendered."""
    import tinyslm.bench
    import tinyslm.compiler
    import tinyslm.device.emulator
    from tinyslm.pipeline import BuildConfig
    from tinyslm.report import write_report

    def forbidden(*a, **k):
        raise AssertionError("the report measured something")

    monkeypatch.setattr(tinyslm.bench, "bench_model", forbidden)
    monkeypatch.setattr(tinyslm.compiler, "analyze", forbidden)
    monkeypatch.setattr(tinyslm.compiler, "compile_model", forbidden)
    monkeypatch.setattr(tinyslm.device.emulator.QemuEmulator, "start", forbidden)
    real = kws_report()
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "train.json").write_text(json.dumps({
        "quality_val": real["quality_val"], "confusion_int8": real["confusion"]["matrix"],
        "histories": {k: {"label": k, "curves": v} for k, v in real["curves"].items()},
        "seconds": real["seconds"]["train"]}))
    q = real["quality"]
    train = {"facts": {"params": 6300, "ops": ["FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"], "sparsity": 0.28,
                       "tflite_bytes": 25816}, "quality": {k: q[k] for k in q if k != "student_int8_device"}}
    size = dict(board="mps2-an386", flash_bytes=72_000, weights_bytes=13_000, code_bytes=59_000,
                flash_capacity=4_194_304, ram_bytes=47_000, arena_bytes=4_300, io_bytes=32_000, stack_bytes=8192,
                ram_capacity=4_194_304)
    fw = {"build_id": "abc123abc123", "size": size, "tflm_arena": 15_800, "macs": 160_008,
          "instructions_per_mac": 3.59, "per_op": real["device"]["per_op"]}
    dev = {"instructions_per_inference": 574_680, "agreement_with_host": 1.0, "n": 40, "identical": 40,
           "host_identical_to_tflm": 40}
    cfg = BuildConfig(task="kws", out=tmp_path, quick=True, device_clips=40)
    report = write_report(cfg, tmp_path, {"source": "synthetic", "root": "data"},
                          {"n_train": 192, "n_val": 48, "n_test": 72}, train, fw, dev, 0.225, {},
                          seconds={"train": 66.0})
    assert report["device"]["latency_ms"] == pytest.approx(574_680 / 25_000)  # instructions at 25 MHz, in ms
    assert report["device"]["per_op"] == real["device"]["per_op"] and report["model"]["macs"] == 160_008
    assert report["model"]["op_counts"] == {"FULLY_CONNECTED": 2, "SOFTMAX": 1}
    assert report["command"] == f"tinyslm build kws --board mps2-an386 --out {tmp_path} --seed 0 --quick"
    on_disk = json.loads((tmp_path / "report.json").read_text())
    assert (tmp_path / "report.html").read_text() == render_html(on_disk)


def test_seed_table_is_mean_and_spread_of_the_builds(tmp_path):
    """`python -m tinyslm.report.seeds RUN...`: each stage's mean ± std (min-max) over the builds' report.json, each
    build's figure after it; one task, one build per seed."""
    import subprocess
    import sys

    def fake(name: str, task: str, seed: int, q: dict) -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "report.json").write_text(json.dumps({"task": task, "seed": seed, "device": {},
                                                   "quality": {"metric": "roc_auc", **q}}))
        return d

    a = fake("a", "anomaly", 0, {"student_int8": 0.97, "test_fresh": 0.96})
    b = fake("b", "anomaly", 1, {"student_int8": 0.99, "test_fresh": 0.98, "test_other_machines": 0.6})
    r = subprocess.run([sys.executable, "-m", "tinyslm.report.seeds", str(a), str(b)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "| int8 (host, TFLM) | 0.9800 ± 0.0141 (0.9700-0.9900) | 0.9700 | 0.9900 |" in r.stdout
    assert "| int8, other machines (another seed's) | 0.6000 (one build) (1 of 2) | - | 0.6000 |" in r.stdout
    assert "teacher" not in r.stdout  # no build measured it: no row
    c = fake("c", "kws", 2, {"student_int8": 0.9})
    r = subprocess.run([sys.executable, "-m", "tinyslm.report.seeds", str(a), str(c)], capture_output=True, text=True)
    assert r.returncode == 2 and "different tasks" in r.stderr and "Traceback" not in r.stderr
