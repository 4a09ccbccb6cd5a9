"""Keyword spotting: synthetic spoken keywords (espeak-ng) or a Speech Commands folder, the MLPerf Tiny
MFCC frontend (which the firmware also runs in C: the raw-audio step), a distilled KWT student;
quality is top-1 accuracy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..errors import DataError
from . import AudioTask, device_indices, meta_elf

if TYPE_CHECKING:
    from ..pipeline import BuildConfig


def data(cfg: BuildConfig, folder: Path) -> dict:
    from ..data import make_kws_dataset

    if cfg.data is not None:
        return {"root": str(Path(cfg.data).resolve()), "source": "user folder"}
    make_kws_dataset(folder / "speech", profile=cfg.profile, seed=cfg.seed)
    return {"root": str((folder / "speech").resolve()), "source": "synthetic (espeak-ng; festival diphone voices in training)"}


def frontend_config(cfg: BuildConfig) -> dict | None:
    """A `tinyslm tune` point's MFCC frontend when it is not the MLPerf one (None: the default 49 x 10)."""
    if cfg.tuned is None:
        return None
    from ..tune.space import default_frontend, frontend_config as point_frontend

    return None if default_frontend(cfg.tuned) else point_frontend(cfg.tuned).to_dict()


def _frontend(cfg: BuildConfig):
    from ..data import KwsFrontend
    from ..data.frontend import FrontendConfig

    d = frontend_config(cfg)
    return KwsFrontend(FrontendConfig.from_dict(d) if d else None)


def features(data: dict, folder: Path, frontend: dict | None = None) -> dict:
    """features.npz from the clips; `frontend`: another MFCC frontend's config (a tuned point's), whose
    students still distil from the default frontend's teacher: teacher_features.npz then holds the same clips
    on the default frontend."""
    from ..data import KwsFrontend, load_kws
    from ..data.frontend import FrontendConfig

    d = load_kws(data["root"])
    if len(d.train) == 0 or len(d.test) == 0:
        raise DataError(f"the dataset has {len(d.train)} training and {len(d.test)} test clips",
                        where=data["root"], hint="both splits need clips (see validation_list.txt / testing_list.txt)")
    fe = KwsFrontend(FrontendConfig.from_dict(frontend) if frontend else None)
    arrays = {f"x_{s}": fe(d.split(s).audio) for s in ("train", "val", "test")}
    arrays.update({f"y_{s}": d.split(s).labels for s in ("train", "val", "test")})
    np.savez_compressed(folder / "features.npz", **arrays)
    if frontend:
        default = KwsFrontend()
        np.savez_compressed(folder / "teacher_features.npz",
                            **{f"x_{s}": default(d.split(s).audio) for s in ("train", "val", "test")})
    return {"n_train": len(d.train), "n_val": len(d.val), "n_test": len(d.test), "classes": list(d.classes),
            "source": d.source, "frontend": fe.config.to_dict()}


def train_profile(quick: bool):
    from ..train import KWSTrainConfig

    return KWSTrainConfig.quick() if quick else KWSTrainConfig()


def size(budget, quick: bool):
    from ..train import size_student

    return size_student(budget, base=train_profile(quick).student)


def train(cfg: BuildConfig, sizing: dict, folder: Path, say: Callable[[str], None]) -> dict:
    import dataclasses

    from ..train import train_kws
    from ..train.models import KWTConfig

    f = np.load(folder.parent / "features" / "features.npz")
    fe = _frontend(cfg)
    tc = TASK.profile(cfg)
    # The model trains on the features in real units, and its int8 input is pinned to the frontend's own
    # quantization: the frontend's int8 bytes (host numpy or device C) are then exactly the model's input.
    tc = dataclasses.replace(tc, student=KWTConfig(**{k: v for k, v in sizing["student"].items() if k != "kind"}),
                             quant=dataclasses.replace(tc.quant, input_range=fe.config.float_range))
    deq = fe.dequantize
    teacher = None
    if frontend_config(cfg) is not None:  # the default frontend's teacher, by its logits per clip
        teacher = _clip_teacher(tc, f, np.load(folder.parent / "features" / "teacher_features.npz"), cfg.seed,
                                deq, say)
    r = train_kws(deq(f["x_train"]), f["y_train"], deq(f["x_val"]), f["y_val"], deq(f["x_test"]), f["y_test"], tc,
                  seed=cfg.seed, log=say, teacher=teacher)
    (folder / "model.tflite").write_bytes(r.tflite)
    for k, b in r.float_students.items():  # the paired float students, measured again on the fresh test set
        (folder / FLOAT_STUDENT.format(k)).write_bytes(b)
    (folder / "train.json").write_text(json.dumps(r.to_dict(), indent=1, default=float))
    return {"quality": r.quality, "facts": r.to_dict()["facts"], "summary": r.summary()}


def _clip_teacher(tc, f, tf_, seed: int, deq, say: Callable[[str], None]):
    """The teacher `tinyslm tune` shares (trained on the default frontend's features exactly as its search and
    train_kws train it), as its logits per clip for a student on another frontend."""
    from ..data import KwsFrontend
    from ..train.clip_teacher import clip_teacher, train_kws_teacher

    tdeq = KwsFrontend().dequantize
    classes = max(tc.student.classes, int(max(f["y_train"].max(), f["y_val"].max()) + 1))
    say(f"teacher: {tc.teacher.describe()} on the default frontend (49 x 10), its logits per clip")
    teacher, norm = train_kws_teacher(tc, tdeq(tf_["x_train"]), f["y_train"], tdeq(tf_["x_val"]), f["y_val"], seed,
                                      classes)
    return clip_teacher(teacher, norm, {s: tdeq(tf_[f"x_{s}"]) for s in ("train", "val", "test")},
                        {s: deq(f[f"x_{s}"]) for s in ("train", "val", "test")}, tc.normalize)


def device_quality(cfg: "BuildConfig", out: Path, dev: np.ndarray, x_dev: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of the device's outputs on the test examples it ran."""
    return float(np.mean(np.argmax(dev, axis=1) == labels))


def raw_audio(cfg: BuildConfig, fw: dict, folder: Path, workers: int = 2) -> dict:
    """Test clips sent as int16 PCM; features computed on the device; top-1 vs the host pipeline.

    Each clip goes over the line as raw bytes (tinyslm-bin: an emulated UART's cost is per character), and in
    an emulator the clips are shared among `workers` instances of the same firmware (the cost is the
    emulator's own, per character: two instances on two cores take about half the time). Every clip is
    still sent, computed and compared on its own."""
    import threading

    from tqdm import tqdm

    from ..boards import get_board
    from ..runners.oracle import Oracle
    from ..data import load_kws
    from ..device.emulator import emulator_for
    from ..device.protocol import DutClient

    if not fw.get("frontend"):
        return {"skipped": fw.get("frontend_missing_why", "no frontend")}
    b = get_board(cfg.board)
    data = json.loads((folder.parent / "data" / "done.json").read_text())["result"]
    test = load_kws(data["root"]).test
    clips = device_indices(len(test), 20 if cfg.quick else 100)  # spread over the split, like the device step
    n = len(clips)
    dev_top1, front_ticks = [0] * n, [0] * n
    bar = tqdm(total=n, desc="raw audio on the device", unit="clip", leave=False)
    lock = threading.Lock()

    def run(client: DutClient, part: range) -> None:
        client.sync()
        for i in part:
            client.load(test.audio[clips[i]].astype("<i2").tobytes(), binary=True)
            r = client.command("tinyslm-pcm", timeout=120)
            front_ticks[i] = int((r.value("m-frontend-ticks-[") or "0]").rstrip("]"))
            dev_top1[i] = int(np.argmax(np.frombuffer(client.raw_outputs()[0], np.int8)))
            with lock:
                bar.update(1)

    def in_emulator(part: range) -> None:
        with emulator_for(b, Path(meta_elf(folder)), cfg.emulator) as emu, DutClient(emu.url, timeout=60) as client:
            run(client, part)

    if cfg.port:
        with DutClient(cfg.port, baud=b.uart.baud, timeout=60) as client:
            run(client, range(n))
    else:
        k = max(1, min(workers, n))
        parts = [range(i * n // k, (i + 1) * n // k) for i in range(k)]
        errors: list[BaseException] = []

        def guarded(part: range) -> None:
            try:
                in_emulator(part)
            except BaseException as e:  # re-raised below, in this thread
                errors.append(e)

        threads = [threading.Thread(target=guarded, args=(p,), daemon=True) for p in parts]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
    bar.close()
    # the host pipeline on the same clips: numpy frontend, then TFLM (the reference the device build matches)
    fe = _frontend(cfg)
    oracle = Oracle((folder.parent / "train" / "model.tflite").read_bytes())
    shape = oracle.interp.get_input_details(0)["shape"]
    feats = fe(test.audio[clips].astype("<i2"))
    host_top1 = [int(np.argmax(oracle.run([x.reshape(shape)])[0])) for x in feats]
    labels = test.labels[clips]
    same = np.array(dev_top1) == np.array(host_top1)
    return {"clips": n, "top1_agreement": float(np.mean(same)), "accuracy": float(np.mean(np.array(dev_top1) == labels)),
            "host_accuracy": float(np.mean(np.array(host_top1) == labels)),
            "frontend_instructions": b.ticks_to_instructions(int(np.median(front_ticks))) if not cfg.port else None,
            "frontend_ticks": int(np.median(front_ticks)), "emulators": 1 if cfg.port else max(1, min(workers, n))}


FLOAT_STUDENT = "student_{}_float.tflite"  # in the train folder: "alone" and "distilled", float32, raw features in
FRESH_SEED_OFFSET = 1000  # the fresh test set: the build's seed + this (held-out voices and noises, new clips)
OTHER_ENGINE_SEED_OFFSET = 2000  # the held-out engine's test set


def _int8_accuracy(model: bytes, root: str, fe=None) -> tuple[float, int, list[list[int]]]:
    """Top-1 accuracy of the int8 model (TFLM) on a folder's test clips through the host frontend (`fe`,
    default the MLPerf one)."""
    from ..data import CLASSES, KwsFrontend
    from ..data.kws_synth import load_test_only
    from ..runners.oracle import Oracle

    audio, labels = load_test_only(root)
    oracle = Oracle(model)
    shape = oracle.interp.get_input_details(0)["shape"]
    feats = (fe or KwsFrontend())(audio)
    pred = np.array([int(np.argmax(oracle.run([x.reshape(shape)])[0])) for x in feats])
    conf = np.zeros((len(CLASSES), len(CLASSES)), np.int64)
    np.add.at(conf, (labels, pred), 1)
    return float(np.mean(pred == labels)), int(len(pred)), conf.tolist()


def float_students(train: Path) -> dict[str, bytes]:
    """The train folder's paired float students (alone, distilled) that the build kept; {} for an older build."""
    return {k: (train / FLOAT_STUDENT.format(k)).read_bytes() for k in ("alone", "distilled")
            if (train / FLOAT_STUDENT.format(k)).is_file()}


def distill_pair(students: dict[str, bytes], root: str, fe=None) -> dict | None:
    """Float top-1 accuracy of the student alone and distilled on a folder's test clips (host frontend's int8
    features, dequantized), and distilled - alone; None unless the build kept both."""
    from ..data import KwsFrontend
    from ..data.kws_synth import load_test_only
    from ..train.api import run_float

    if set(students) != {"alone", "distilled"}:
        return None
    audio, labels = load_test_only(root)
    fe = fe or KwsFrontend()
    x = fe.dequantize(fe(audio))
    acc = {k: float(np.mean(run_float(students[k], x).argmax(axis=1) == labels)) for k in ("alone", "distilled")}
    return {**acc, "gain": acc["distilled"] - acc["alone"], "n": int(len(labels))}


def fresh(cfg: BuildConfig, folder: Path, say: Callable[[str], None] = print) -> dict:
    """Quality read once, at the end of the build, on sets nobody looked at while building:

    * test_fresh: the test split of a dataset generated with another seed (the same held-out voices
      and noise types, new clips);
    * test_other_engine: the same, every word spoken by the held-out engine (kws_synth.OTHER_ENGINE),
      which training and validation never heard.
    The int8 model runs in TFLM on the host frontend's features. ``distill_fresh`` (and ``distill_other_engine``):
    the paired float students the build kept (alone and distilled: same initial weights and batches), their
    accuracy on the same sets and distilled - alone."""
    from ..data.festival import engine_available
    from ..data.kws_synth import OTHER_ENGINE, make_kws_dataset

    if cfg.data is not None:
        return {"skipped": "a user dataset (--data): no generator to draw a fresh test set from"}
    model = (folder.parent / "train" / "model.tflite").read_bytes()
    out: dict = {"fresh_seed": cfg.seed + FRESH_SEED_OFFSET}
    make_kws_dataset(folder / "fresh", profile=cfg.profile, seed=out["fresh_seed"], splits=("test",),
                     progress=False)
    out["test_fresh"], out["n_fresh"], out["confusion_fresh"] = _int8_accuracy(model, str(folder / "fresh"),
                                                                               _frontend(cfg))
    say(f"fresh test set (seed {out['fresh_seed']}): int8 accuracy {out['test_fresh']:.4f} on {out['n_fresh']} clips")
    students = float_students(folder.parent / "train")
    pair = distill_pair(students, str(folder / "fresh"), _frontend(cfg))
    if pair is not None:
        out["distill_fresh"] = pair
        say(f"fresh test set, float students: alone {pair['alone']:.4f}, distilled {pair['distilled']:.4f}, "
            f"distilled - alone {100 * pair['gain']:+.2f} points")
    out["other_engine"] = OTHER_ENGINE
    if engine_available(OTHER_ENGINE):
        out["other_engine_seed"] = cfg.seed + OTHER_ENGINE_SEED_OFFSET
        make_kws_dataset(folder / "other_engine", profile=cfg.profile, seed=out["other_engine_seed"],
                         splits=("test",), engine=OTHER_ENGINE, progress=False)
        acc, n, conf = _int8_accuracy(model, str(folder / "other_engine"), _frontend(cfg))
        out.update(test_other_engine=acc, n_other_engine=n, confusion_other_engine=conf)
        pair = distill_pair(students, str(folder / "other_engine"), _frontend(cfg))
        if pair is not None:
            out["distill_other_engine"] = pair
        say(f"held-out engine ({OTHER_ENGINE}): int8 accuracy {acc:.4f} on {n} clips")
    else:
        out["other_engine_skipped"] = f"{OTHER_ENGINE} is not installed (see .ci/setup)"
    return out


TASK = AudioTask("kws", metric="accuracy", frontend="kws", data=data, features=features, train_profile=train_profile,
                 size=size, train=train, device_quality=device_quality, raw_audio=raw_audio,
                 fresh=fresh, frontend_config=frontend_config)
