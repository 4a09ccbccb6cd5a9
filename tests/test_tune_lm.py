"""`tinyslm tune lm`: a tiny search on a local Ray (quick profile, a 200-document corpus, 2 trials), its front
(bits per character minimised), what the trials receive (never the test split), and the refusals."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("qemu-system-arm", "arm-none-eabi-gcc")),
    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")

TRIALS = 2
POISON = "§ a test document no trial may encode ¤"  # characters the training split never has


def tinyslm(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyslm.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def small_corpus(folder: Path) -> Path:
    """200 training and 24 validation dialogues of the grammar; test splits whose characters the tokenizer
    (fitted on the training split) lacks, so encoding them anywhere would fail the search."""
    from tinyslm.data.lm_corpus import sample_docs

    docs, _ = sample_docs(300, np.random.default_rng(5))
    train = docs[:200]
    chars = set("".join(train))
    val = [d for d in docs[240:] if set(d) <= chars][:24]
    folder.mkdir(parents=True)
    for split, ds in (("train", train), ("val", val), ("test", [POISON] * 20), ("test_fresh", [POISON] * 20)):
        (folder / f"{split}.txt").write_text("\n\n".join(ds) + "\n", encoding="utf-8")
    (folder / "dataset.json").write_text(json.dumps({"task": "lm", "source": None}))
    return folder


@pytest.fixture(scope="module")
def search():
    pytest.importorskip("ray.tune", reason="the 'tune' extra (ray[tune]) is not installed")
    root = Path(tempfile.mkdtemp(prefix="tinyslm-test-tune-lm-"))
    corpus = small_corpus(root / "corpus")
    out = root / "lm"
    r = tinyslm("tune", "lm", "--quick", "--trials", str(TRIALS), "--num-cpus", "2", "--cpus-per-trial", "2",
                "--data", str(corpus), "--out", str(out))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    yield out, corpus, r, json.loads((out / "tune.json").read_text())
    shutil.rmtree(root, ignore_errors=True)


def dominates(a: dict, b: dict) -> bool:
    """a dominates b: bits per character as low or lower and instructions as few or fewer, one strictly."""
    return (a["quality"] <= b["quality"] and a["instructions_est"] <= b["instructions_est"]
            and (a["quality"] < b["quality"] or a["instructions_est"] < b["instructions_est"]))


@pytest.mark.slow
def test_lm_search_front_fits_minimises_bpc_and_is_validated_on_val(search):
    from tinyslm.boards import get_board
    from tinyslm.compiler import compile_model
    from tinyslm.data.lm_corpus import load_lm_corpus
    from tinyslm.firmware import check_fit
    from tinyslm.train.lm import LmTrainConfig
    from tinyslm.train.lm_models import LmConfig
    from tinyslm.tune.lm import encode, int8_val_bpc

    out, corpus, r, tune = search
    # the LM fields of tune.json
    assert tune["task"] == "lm" and tune["quality_lower_is_better"] is True
    assert "validation" in tune["quality_metric"] and "bits per character" in tune["quality_metric"]
    assert "per generated token" in tune["cost_unit"] and "--from-tune" in tune["from_tune"]
    assert "mode min" in tune["ray"]["scheduler"] and tune["teacher"]["quality_val"] > 0
    assert len(tune["trials"]) == TRIALS
    assert f"[tune] 1/{TRIALS} done" in r.stdout and "best so far" in r.stdout  # progress lines
    # the first trial is the student `tinyslm build lm --quick` picks, never stopped early
    base = next(t for t in tune["trials"] if t["id"] == tune["baseline"])
    assert (base["point"]["dim"], base["point"]["layers"]) == (32, 2) and base["status"] == "finished"
    assert base["epoch_reports"] == 2  # one distillation and one pruning epoch reported to ASHA
    finished = [t for t in tune["trials"] if t.get("final") and t.get("fits")]
    front = tune["front"]
    assert front and {p["id"] for p in front} <= {t["id"] for t in finished}
    board = get_board("mps2-an386")
    _, _, _, arrays = encode(load_lm_corpus(corpus), quick=True)
    from tinyslm.train.lm import Encoded

    val = Encoded(arrays["val_seqs"], arrays["val_lengths"])
    for p in front:
        # memory from the compiler's own plan of the point's int8 step model; the firmware's fit check accepts it
        cm = compile_model(out / p["tflite"], out / "check" / p["id"], target=board.kernel_target)
        assert (cm.arena_bytes, cm.weights_bytes) == (p["arena_bytes"], p["weights_bytes"])
        check_fit(cm, board)
        assert p["ram_bytes"] <= board.memory.ram_bytes and p["flash_bytes"] <= board.memory.flash_bytes
        s = LmConfig(**{k: v for k, v in p["student"].items() if k != "kind"})
        assert p["kv_cache_bytes"] == 2 * s.layers * s.context * s.dim <= p["io_bytes"]  # the cache is model I/O
        assert p["instructions_est"] > 0 and p["instructions_measured"] > 0  # measured in QEMU
        # the quality is the int8 step model's bits per character on the validation documents (TFLM)
        q, n = int8_val_bpc((out / p["tflite"]).read_bytes(), s, val, LmTrainConfig.quick().int8_docs)
        assert n == LmTrainConfig.quick().int8_docs and q == pytest.approx(p["quality"], rel=1e-9)
        assert not any(dominates(t, p) for t in finished), p["id"]
    for t in finished:  # every finished trial off the front is dominated by (or ties with) a point on it
        if t["id"] not in {p["id"] for p in front}:
            assert any(dominates(p, t) or (p["quality"], p["instructions_est"]) ==
                       (t["quality"], t["instructions_est"]) for p in front), t["id"]
    costs = [p["instructions_est"] for p in front]
    assert costs == sorted(costs) and [p["pick"] for p in front] == list(range(len(front)))
    bpcs = [p["quality"] for p in front]
    assert bpcs == sorted(bpcs, reverse=True)  # cheaper points of a front have more bits per character
    assert "lower is better" in (out / "tune.html").read_text()


# what `tinyslm build lm` writes in report.json (tinyslm.train.lm_task._report)
LM_REPORT_KEYS = {"task", "board", "profile", "seed", "data", "student", "teacher", "params", "sparsity", "quality",
                  "verify_host_vs_tflm", "device", "samples", "memory", "targets", "history", "seconds", "sizing"}


def real_test_split(corpus: Path) -> None:
    """Documents of the grammar in place of the test splits no trial could encode: a build reads them."""
    from tinyslm.data.lm_corpus import sample_docs

    docs, _ = sample_docs(300, np.random.default_rng(5))
    chars = set("".join(docs[:200]))
    test = [d for d in docs[240:] if set(d) <= chars][24:]  # after small_corpus's validation documents
    assert len(test) >= 6
    for split in ("test", "test_fresh"):
        (corpus / f"{split}.txt").write_text("\n\n".join(test) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_from_tune_builds_an_lm_point_like_a_default_build(search):
    out, corpus, _, tune = search
    p = tune["front"][0]
    real_test_split(corpus)  # the search is over: the build reports test bits per character
    build = out / "from-tune"
    r = tinyslm("build", "lm", "--from-tune", str(out), "--pick", "0", "--out", str(build), timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    report = json.loads((build / "report.json").read_text())
    assert set(report) == LM_REPORT_KEYS and "student from tinyslm tune" in report["sizing"]
    # the trial's int8 step model, its validation bits per character and the compiler's memory, reproduced
    assert (build / "train" / "model.tflite").read_bytes() == (out / p["tflite"]).read_bytes()
    same = json.loads((build / "from_tune.json").read_text())["build"]
    assert same["same_model"] and same["quality"] == pytest.approx(p["quality"], rel=1e-9)
    assert report["memory"]["arena_bytes"] == p["arena_bytes"]
    assert report["memory"]["int8_weights_bytes"] == p["weights_bytes"]
    assert report["student"] == p["student"]
    # verified like a default build: host C = TFLM on every step, the device = the host C build
    assert report["verify_host_vs_tflm"]["ok"] and report["device"]["identical"] == report["device"]["runs"] > 0
    assert "int8 model identical" in r.stdout
    wrong = tinyslm("build", "kws", "--from-tune", str(out), "--pick", "0", timeout=120)
    assert wrong.returncode != 0 and "is a lm search" in wrong.stderr and "Traceback" not in wrong.stderr


def test_trials_get_the_training_and_validation_encodings_only(tmp_path):
    from tinyslm.data.lm_corpus import load_lm_corpus
    from tinyslm.data.tokenizer import CharTokenizer
    from tinyslm.errors import TinyslmError
    from tinyslm.train.lm import encode_docs
    from tinyslm.tune.lm import LmJob, encode

    corpus = load_lm_corpus(small_corpus(tmp_path / "c"))
    _, _, context, arrays = encode(corpus, quick=True)
    assert set(arrays) == {"train_seqs", "train_lengths", "val_seqs", "val_lengths"}
    assert len(arrays["train_lengths"]) == 200 and len(arrays["val_lengths"]) == len(corpus.docs["val"])
    assert {f.name for f in dataclasses.fields(LmJob)} == {"quick", "seed", "board", "threads", "vocab", "context",
                                                           "arrays", "teacher", "teacher_weights", "task"}
    # the test split here cannot be encoded: a search that encoded it would fail (the search above passes)
    with pytest.raises(TinyslmError):
        encode_docs(CharTokenizer.fit(corpus.docs["train"]), corpus.docs["test"], context, "test split")


def test_front_minimises_bits_per_character():
    from tinyslm.tune.results import pareto_front

    rng = np.random.default_rng(0)
    pts = [{"id": i, "quality": float(q), "instructions_est": int(c)}
           for i, (q, c) in enumerate(zip(rng.integers(0, 8, 60) / 4, rng.integers(1, 12, 60)))]
    front = pareto_front(pts, maximize=False)
    brute = [p for p in pts if not any(dominates(o, p) for o in pts)]
    # the front is the non-dominated set (one point per tie of bpc and cost), cheapest first
    assert {(p["quality"], p["instructions_est"]) for p in front} == \
        {(p["quality"], p["instructions_est"]) for p in brute}
    assert pareto_front(pts, maximize=True) != front  # the direction matters on these points


def test_space_points_are_valid_students_and_hold_the_builds():
    from tinyslm.train.lm_task import CANDIDATES
    from tinyslm.tune.lm import SPACES, point_of_student, student_of

    for space in SPACES.values():
        for p in space.points():
            s = student_of(p, 48, 128)
            assert s.dim % s.heads == 0 and s.dim // s.heads >= min(4, s.dim)
    for cand in CANDIDATES:  # the default build's students are points of the default space
        p = point_of_student(cand, 0.25)
        assert p in [dict(q, sparsity=0.25) for q in SPACES["default"].points()], cand


@pytest.mark.slow
def test_a_board_nothing_fits_is_refused_with_the_numbers(tmp_path):
    from tinyslm.boards import get_board
    from tinyslm.data.lm_corpus import load_lm_corpus
    from tinyslm.errors import TinyslmError
    from tinyslm.tune.lm import check_smallest, encode
    from tinyslm.tune.run import TuneSettings

    _, vocab, context, arrays = encode(load_lm_corpus(small_corpus(tmp_path / "c")), quick=True)
    b = get_board("microbit")
    tiny = dataclasses.replace(b, name="tiny", memory=dataclasses.replace(b.memory, ram_bytes=4096))
    s = TuneSettings(task="lm", board="microbit", out=tmp_path / "unused", quick=True)
    with pytest.raises(TinyslmError) as e:
        check_smallest(s, vocab, context, arrays, lambda _: None, tiny)
    assert "no point of the search space fits tiny" in e.value.what and "RAM" in e.value.what
    assert "KV cache" in e.value.what
