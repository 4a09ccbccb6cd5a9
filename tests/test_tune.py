"""`tinyslm tune`: a small search on a local Ray (quick profile), its front, resuming, and a --from-tune build."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("qemu-system-arm", "arm-none-eabi-gcc", "espeak-ng")),
    reason="needs qemu-system-arm, gcc-arm-none-eabi and espeak-ng (installed by .ci/setup)")

TRIALS = 3


def tinyslm(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyslm.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def tune_args(out: Path) -> list[str]:
    # 2 CPUs, 2 per trial: one trial at a time on the 2-core CI machine
    return ["tune", "kws", "--quick", "--trials", str(TRIALS), "--num-cpus", "2", "--cpus-per-trial", "2",
            "--out", str(out)]


@pytest.fixture(scope="module")
def search():
    pytest.importorskip("ray.tune", reason="the 'tune' extra (ray[tune]) is not installed")
    # a folder of its own: pytest prunes old basetemp folders, which another pytest on the machine may do while
    # this module's tests still use it
    root = Path(tempfile.mkdtemp(prefix="tinyslm-test-tune-"))
    out = root / "kws"
    r = tinyslm(*tune_args(out))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    yield out, r, json.loads((out / "tune.json").read_text())
    shutil.rmtree(root, ignore_errors=True)


def dominates(a: dict, b: dict) -> bool:
    return (a["quality"] >= b["quality"] and a["instructions_est"] <= b["instructions_est"]
            and (a["quality"] > b["quality"] or a["instructions_est"] < b["instructions_est"]))


@pytest.mark.slow
def test_search_front_fits_and_is_non_dominated(search):
    from tinyslm.boards import get_board
    from tinyslm.compiler import compile_model
    from tinyslm.firmware import check_fit

    out, r, tune = search
    assert len(tune["trials"]) == TRIALS and tune["board"] == "mps2-an386"
    assert "[tune] 1/3 done" in r.stdout and "best so far" in r.stdout  # progress lines
    finished = [t for t in tune["trials"] if t.get("final") and t.get("fits")]
    front = tune["front"]
    assert front and {p["id"] for p in front} <= {t["id"] for t in finished}
    board = get_board("mps2-an386")
    for p in front:
        # the point's memory is the compiler's own plan of its model, and the firmware's fit check accepts it
        cm = compile_model(out / p["tflite"], out / "check" / p["id"], target=board.kernel_target)
        assert (cm.arena_bytes, cm.weights_bytes) == (p["arena_bytes"], p["weights_bytes"])
        check_fit(cm, board)
        assert p["ram_bytes"] <= board.memory.ram_bytes and p["flash_bytes"] <= board.memory.flash_bytes
        assert 0.0 <= p["quality"] <= 1.0 and p["instructions_est"] > 0
        assert p["instructions_measured"] > 0  # measured in QEMU
        assert not any(dominates(t, p) for t in finished), p["id"]
    # every finished trial off the front is dominated by (or ties with) a point on it
    for t in finished:
        if t["id"] not in {p["id"] for p in front}:
            assert any(dominates(p, t) or (p["quality"], p["instructions_est"]) ==
                       (t["quality"], t["instructions_est"]) for p in front), t["id"]
    assert [p["pick"] for p in front] == list(range(len(front)))
    assert sorted(p["instructions_est"] for p in front) == [p["instructions_est"] for p in front]
    page = (out / "tune.html").read_text()
    assert "<svg" in page and page.count("<tr>") >= len(front) + 1
    # the first trial is the default build's student for the board, the second its neighbour with fewer frames
    # (the frontend is an axis: 10 MFCC x 33 frames, frame step 480), both trained to the end
    first, second = sorted(tune["trials"], key=lambda t: t["id"])[:2]
    assert tune["baseline"] == first["id"] and first["status"] == second["status"] == "finished"
    assert {k: v for k, v in second["point"].items() if first["point"][k] != v} == {"frame_step": 480}
    assert second["student"]["frames"] == 33 and first["student"]["frames"] == 49


@pytest.mark.slow
def test_search_resumes_from_its_folder(search):
    out, _, tune = search
    r = tinyslm(*tune_args(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "resuming" in r.stdout and "done earlier" in r.stdout
    again = json.loads((out / "tune.json").read_text())
    assert [(p["id"], p["quality"], p["arena_bytes"]) for p in again["front"]] == \
           [(p["id"], p["quality"], p["arena_bytes"]) for p in tune["front"]]
    other = tinyslm("tune", "kws", "--quick", "--trials", "5", "--out", str(out))
    assert other.returncode != 0 and "holds another search" in other.stderr and "Traceback" not in other.stderr


@pytest.mark.slow
def test_from_tune_build_reproduces_its_point(search):
    """A point on another frontend than the default build's (fewer frames): its features from the same audio,
    distilled from the shared teacher's logits per clip, the device's C frontend generated from its config."""
    out, _, tune = search
    n, p = next((i, q) for i, q in enumerate(tune["front"]) if q["point"]["frame_step"] != 320)
    build = out / "from-tune"
    r = tinyslm("build", "--from-tune", str(out), "--pick", str(n), "--device-examples", "10", "--out", str(build))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (build / "train" / "model.tflite").read_bytes() == (out / p["tflite"]).read_bytes()
    report = json.loads((build / "report.json").read_text())
    assert report["quality_val"]["student_int8"] == pytest.approx(p["quality"], abs=1e-12)
    assert report["memory"]["arena_bytes"] == p["arena_bytes"]
    assert report["device"]["agreement_with_host"] == 1.0 and report["quality"]["tflm_agreement"] == 1.0
    assert "int8 model identical" in r.stdout
    fe = report["dataset"]["frontend"]
    assert (fe["num_mfcc"], fe["frame_step"]) == (p["point"]["mfcc"], p["point"]["frame_step"])
    assert report["tuned_point"] == p["point"]
    header = (build / "firmware" / "project" / "frontend" / "tslm_frontend_kws.h").read_text()
    assert f"NUM_FRAMES {p['student']['frames']} " in header and f"NUM_OUT {p['point']['mfcc']} " in header
    raw = report["raw_audio"]  # raw PCM through that frontend on the device, top-1 against the host pipeline
    assert raw["clips"] >= 10 and raw["top1_agreement"] >= 0.95, raw
    assert f"frontend: {p['point']['mfcc']} MFCC x {p['student']['frames']} frames" in r.stdout
    bad = tinyslm("build", "--from-tune", str(out), "--pick", str(len(tune["front"])))
    assert bad.returncode != 0 and "--pick" in bad.stderr and "Traceback" not in bad.stderr


def test_a_board_nothing_fits_is_refused_with_the_numbers():
    import numpy as np

    from tinyslm.boards import get_board
    from tinyslm.errors import TinyslmError
    from tinyslm.tune.run import TuneSettings, check_smallest

    tiny = get_board("microbit")
    tiny = dataclasses.replace(tiny, name="tiny", memory=dataclasses.replace(tiny.memory, ram_bytes=2048))
    s = TuneSettings(task="kws", board="microbit", out=Path("unused"), quick=True)
    with pytest.raises(TinyslmError) as e:
        check_smallest(s, {"x_train": np.zeros((1, 49, 10), np.int8)}, lambda _: None, board=tiny)
    assert "no point of the search space fits tiny" in e.value.what and "RAM" in e.value.what
    said = []
    check_smallest(s, {"x_train": np.zeros((1, 49, 10), np.int8)}, said.append, board=get_board("mps2-an386"))
    assert "fits mps2-an386" in said[0]


def test_search_space_points_are_valid_models():
    from tinyslm.tune.space import SPACES, train_config

    for (task, profile), space in SPACES.items():
        for p in space.points(task)[:: max(1, len(space.points(task)) // 40)]:
            cfg = train_config(task, {**p, "sparsity": space.sparsities[-1]}, profile == "quick")
            s = cfg.student
            assert s.dim % s.heads == 0 and s.dim // s.heads >= min(4, s.dim)
            assert cfg.prune is None or cfg.prune.target_sparsity == space.sparsities[-1]


def test_asha_never_stops_the_seeded_points():
    """The scheduler: a trial below the rung's cut is stopped, unless it is one of the seeded points (the
    default student and its neighbours), which train to the end; at max_t every trial ends."""
    from types import SimpleNamespace

    from ray.tune.schedulers import TrialScheduler

    from tinyslm.tune.run import seeded_asha

    seeded = {"dim": 48, "heads": 4}
    sched = seeded_asha([seeded], time_attr="step", max_t=10, grace_period=3, reduction_factor=4)
    sched.set_search_properties("quality", "max")
    trials = [SimpleNamespace(trial_id=f"t{i}", config=c) for i, c in
              enumerate([{"dim": 64, "heads": 4}, {"dim": 32, "heads": 2}, {"dim": 48, "heads": 4},
                         {"dim": 24, "heads": 1}])]
    for t in trials:
        sched.on_trial_add(None, t)
    assert sched.on_trial_result(None, trials[0], {"step": 3, "quality": 0.9}) == TrialScheduler.CONTINUE
    assert sched.on_trial_result(None, trials[1], {"step": 3, "quality": 0.95}) == TrialScheduler.CONTINUE
    weak = {"step": 3, "quality": 0.1}
    assert sched.on_trial_result(None, trials[3], weak) == TrialScheduler.STOP  # a random point: cut
    assert sched.on_trial_result(None, trials[2], weak) == TrialScheduler.CONTINUE  # the seeded one: kept
    assert sched.on_trial_result(None, trials[2], {"step": 10, "quality": 0.1}) == TrialScheduler.STOP  # the end


def test_distillation_from_logits_per_clip_equals_the_teacher_model():
    """A student on another frontend distils from the shared teacher's logits per clip (ClipTeacher): with the
    same batches (shuffled with their logits) it trains as with the teacher model run on each batch; other
    logits train it otherwise."""
    import numpy as np

    from tinyslm.train._tf import keras, seed_everything
    from tinyslm.train.clip_teacher import ClipTeacher, teacher_logits
    from tinyslm.train.distill import DistillConfig
    from tinyslm.train.fit import FitConfig, fit

    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 6, 4)).astype(np.float32)
    y = rng.integers(0, 4, 96)

    def model(seed: int):
        seed_everything(seed)
        return keras.Sequential([keras.Input((6, 4)), keras.layers.Flatten(), keras.layers.Dense(4)])

    teacher = model(7)
    cfg = FitConfig(epochs=2, batch_size=16, augment=False)
    dist = DistillConfig(alpha=0.7, temperature=2.0)

    def train(t) -> list:
        s = model(1)
        fit(s, x, y, cfg=cfg, teacher=t, distill=dist, seed=3, verbose=False)
        return s.get_weights()

    with_model = train(teacher)
    logits = teacher_logits(teacher, x)
    with_logits = train(ClipTeacher(logits))
    initial = model(1).get_weights()
    assert not np.allclose(with_model[0], initial[0])
    for a, b in zip(with_model, with_logits):
        np.testing.assert_allclose(a, b, atol=1e-5)
    other = train(ClipTeacher(logits[::-1].copy()))  # the same logits on other clips
    assert not np.allclose(other[0], with_model[0], atol=1e-4)
    ct = ClipTeacher(logits)
    ct.add(x[:10], logits[:10])
    assert np.array_equal(ct.predict(x[:10]), logits[:10])
    with pytest.raises(ValueError):
        ct.predict(x[10:20])


def test_cost_fit_recovers_a_known_table_and_dispatch_cost():
    """The calibration's fit (tinyslm.tune.cost.fit_table) on synthetic measurements made from known per-opcode
    costs, a profile undercount and a per-call dispatch cost: the fitted table reproduces every model's total."""
    import numpy as np

    from tinyslm.tune.cost import _estimate, _nnls, fit_table

    true = {"FULLY_CONNECTED": (0.8, 14.0, 2.0, 500.0), "ADD": (0.0, 17.0, 1.0, 150.0), "SOFTMAX": (0.0, 30.0, 0.0, 0.0)}
    rng = np.random.default_rng(0)
    data = []
    for _ in range(6):
        calls = []
        for _ in range(int(rng.integers(20, 200))):
            op = str(rng.choice(list(true)))
            n = float(rng.integers(8, 400))
            feats = [n * float(rng.integers(8, 64)) if op == "FULLY_CONNECTED" else 0.0, n, n, 1.0]
            calls.append({"opcode": op, "features": feats, "instructions": 0.9 * float(np.dot(true[op], feats))})
        total = sum(c["instructions"] for c in calls) / 0.9 + 40.0 * len(calls)  # + dispatch per call
        data.append({"model": "m", "calls": calls, "total": total})
    table = fit_table(data)
    for m in data:
        assert _estimate(table, m["calls"]) == pytest.approx(m["total"], rel=1e-3)
    assert all(c >= 0 for v in table.values() for c in v)
    x = _nnls(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([2.0, -3.0]))  # the negative one is held at 0
    assert x.tolist() == [2.0, 0.0]


@pytest.mark.parametrize("board", ["mps2-an386", "mps3-an547"])
def test_instruction_estimate_holds_on_a_model_the_table_never_saw(board):
    """Each kernel target has its own cost table (tinyslm.tune.cost.COEFFICIENTS): a student outside the
    calibration set, estimated from its plan, against its invoke measured in QEMU on a board of that target."""
    from tinyslm.boards import get_board
    from tinyslm.runners.qemu import measure
    from tinyslm.train.models import KWTConfig
    from tinyslm.tune.cost import need_of, random_int8

    tflite = random_int8(KWTConfig(dim=40, heads=2, blocks=2, mlp=80, patch=2, stem="conv", stem_channels=16), seed=5)
    b = get_board(board)
    est = need_of(tflite, b).instructions_est
    _, _, run = measure(tflite, board, target=b.kernel_target, n_inputs=1)
    assert est == pytest.approx(int(run.instructions[0]), rel=0.12), (board, b.kernel_target)
