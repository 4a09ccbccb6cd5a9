"""`tinyslm build kws|anomaly`: data -> features -> teacher -> distilled, pruned int8 student ->
compiled C -> firmware -> the test set on the device (emulator or --port) -> report.

Every step writes its results under OUT/<step>/ with a done.json holding a key made
of its configuration and the keys of the steps before it: run the command again and
finished steps are skipped; change a setting and that step and the ones after it run
again. Same inputs and seed: same .tflite, same C, same firmware bytes.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import DataError, TinyslmError

TASKS = ("kws", "anomaly")


def task_plugins() -> dict[str, Callable[..., dict]]:
    """Tasks that live in their own module: name -> run(cfg, steps, say) returning report.json's content."""
    from .train.lm_task import run_lm_build

    return {"lm": run_lm_build}


@dataclass(frozen=True)
class BuildConfig:
    task: str
    board: str = "mps2-an386"
    out: Path = Path("runs/kws")
    data: Path | None = None  # a dataset folder; None: generate a synthetic one
    quick: bool = False
    seed: int = 0
    port: str | None = None  # a flashed board's serial port; None: the board's emulator
    emulator: str = "qemu"
    device_clips: int = 200  # test clips (KWS) / windows (anomaly) run on the device
    mlperf: str | None = None  # the firmware also answers as this MLPerf Tiny benchmark (kws01, ad01)
    tuned: dict | None = None  # a point of `tinyslm tune` (student, pruning, QAT) instead of the sizing rule

    @property
    def profile(self) -> str:
        return "quick" if self.quick else "default"


def _key(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Steps:
    """Runs named steps, skipping those whose done.json matches their key."""

    def __init__(self, out: Path, say: Callable[[str], None]):
        self.out, self.say = out, say
        self.keys: list[str] = []
        self.seconds: dict[str, float] = {}  # wall seconds of each step (when it ran, possibly an earlier run)
        self.skipped: list[str] = []

    def run(self, name: str, config: dict, fn: Callable[[Path], dict], sources: bool = False) -> dict:
        """sources: the step's output is built from templates/, firmware/ and boards/ (their hash joins its key,
        so editing a kernel makes it, and every step after it, run again)."""
        from . import __version__
        from .resources import sources_digest

        key = _key({"config": config, "upstream": self.keys, "tinyslm": __version__,
                    **({"sources": sources_digest()} if sources else {})})
        folder = self.out / name
        marker = folder / "done.json"
        if marker.exists():
            done = json.loads(marker.read_text())
            if done.get("key") == key:
                self.say(f"[{name}] done earlier ({done['seconds']:.0f} s), skipped")
                self.keys.append(key)
                self.seconds[name] = float(done["seconds"])
                self.skipped.append(name)
                return done["result"]
        folder.mkdir(parents=True, exist_ok=True)
        marker.unlink(missing_ok=True)
        self.say(f"[{name}] ...")
        t0 = time.time()
        result = fn(folder)
        seconds = time.time() - t0
        marker.write_text(json.dumps({"key": key, "seconds": seconds, "result": result}, indent=2, default=float))
        self.say(f"[{name}] done in {seconds:.0f} s")
        self.keys.append(key)
        self.seconds[name] = seconds
        return result


# ------------------------------------------------------------------ KWS steps
def _kws_data(cfg: BuildConfig, folder: Path) -> dict:
    from .data import make_kws_dataset

    if cfg.data is not None:
        return {"root": str(Path(cfg.data).resolve()), "source": "user folder"}
    make_kws_dataset(folder / "speech", profile=cfg.profile, seed=cfg.seed)
    return {"root": str((folder / "speech").resolve()), "source": "synthetic (espeak-ng)"}


def _kws_features(data: dict, folder: Path) -> dict:
    from .data import KwsFrontend, load_kws

    d = load_kws(data["root"])
    if len(d.train) == 0 or len(d.test) == 0:
        raise DataError(f"the dataset has {len(d.train)} training and {len(d.test)} test clips",
                        where=data["root"], hint="both splits need clips (see validation_list.txt / testing_list.txt)")
    fe = KwsFrontend()
    arrays = {f"x_{s}": fe(d.split(s).audio) for s in ("train", "val", "test")}
    arrays.update({f"y_{s}": d.split(s).labels for s in ("train", "val", "test")})
    np.savez_compressed(folder / "features.npz", **arrays)
    return {"n_train": len(d.train), "n_val": len(d.val), "n_test": len(d.test), "classes": list(d.classes),
            "source": d.source, "frontend": fe.config.to_dict()}


def _train_profile(cfg: BuildConfig, task: str):
    """The training profile: the build's (quick or default), or a `tinyslm tune` point's."""
    if cfg.tuned is not None:
        from .tune.space import train_config

        return train_config(task, cfg.tuned, cfg.quick)
    from .train import ADTrainConfig, KWSTrainConfig

    if task == "kws":
        return KWSTrainConfig.quick() if cfg.quick else KWSTrainConfig()
    return ADTrainConfig.quick() if cfg.quick else ADTrainConfig()


def _sizing(cfg: BuildConfig, folder: Path, task: str) -> dict:
    from .boards import get_board
    from .train import Budget

    if cfg.tuned is not None:  # the student a search chose (the firmware step still checks that it fits)
        from .train.models import config_dict
        from .tune.space import describe

        student = _train_profile(cfg, task).student
        table = f"student from tinyslm tune: {describe(task, cfg.tuned, cfg.quick)}"
        (folder / "sizing.txt").write_text(table + "\n")
        return {"student": config_dict(student), "table": table}

    b = get_board(cfg.board)
    budget = Budget(flash_bytes=b.memory.flash_bytes, ram_bytes=b.memory.ram_bytes, board=b.name)
    if task == "kws":
        from .train import KWSTrainConfig, size_student

        base = (KWSTrainConfig.quick() if cfg.quick else KWSTrainConfig()).student
        choice = size_student(budget, base=base)
    else:
        from .train import ADTrainConfig, size_autoencoder

        base = (ADTrainConfig.quick() if cfg.quick else ADTrainConfig()).student
        choice = size_autoencoder(budget, base=base)
    table = choice.table()
    (folder / "sizing.txt").write_text(table + "\n")
    if choice.chosen is None:
        raise TinyslmError(choice.refusal(), where=cfg.board,
                           hint="choose a board with more memory (tinyslm boards)")
    from .train.models import config_dict

    return {"student": config_dict(choice.chosen.cfg), "table": table}


def _kws_train(cfg: BuildConfig, sizing: dict, folder: Path, say: Callable[[str], None]) -> dict:
    import dataclasses

    from .data import KwsFrontend
    from .train import KWSTrainConfig, QuantConfig, train_kws
    from .train.models import KWTConfig

    f = np.load(folder.parent / "features" / "features.npz")
    fe = KwsFrontend()
    tc = _train_profile(cfg, "kws")
    # The model trains on the features in real units, and its int8 input is pinned to the frontend's own
    # quantization: the frontend's int8 bytes (host numpy or device C) are then exactly the model's input.
    tc = dataclasses.replace(tc, student=KWTConfig(**{k: v for k, v in sizing["student"].items() if k != "kind"}),
                             quant=dataclasses.replace(tc.quant, input_range=fe.config.float_range))
    deq = fe.dequantize
    r = train_kws(deq(f["x_train"]), f["y_train"], deq(f["x_val"]), f["y_val"], deq(f["x_test"]), f["y_test"], tc,
                  seed=cfg.seed, log=say)
    (folder / "model.tflite").write_bytes(r.tflite)
    (folder / "train.json").write_text(json.dumps(r.to_dict(), indent=1, default=float))
    return {"quality": r.quality, "facts": r.to_dict()["facts"], "summary": r.summary()}


# -------------------------------------------------------------- anomaly steps
def _ad_data(cfg: BuildConfig, folder: Path) -> dict:
    from .data import make_ad_dataset

    if cfg.data is not None:
        return {"root": str(Path(cfg.data).resolve()), "source": "user folder"}
    make_ad_dataset(folder / "machines", profile=cfg.profile, seed=cfg.seed)
    return {"root": str((folder / "machines").resolve()), "source": "synthetic (rotating machine)"}


def _ad_features(data: dict, folder: Path) -> dict:
    from .data import AdFrontend, ad_windows, load_ad

    d = load_ad(data["root"])
    w = ad_windows(d, AdFrontend())
    if len(w.x_train) == 0 or len(w.x_test) == 0:
        raise DataError("no training or test windows", where=data["root"])
    np.savez_compressed(folder / "features.npz", x_train=w.x_train, x_val=w.x_val, x_test=w.x_test, y_test=w.y_test,
                        val_groups=w.val_groups, test_groups=w.test_groups)
    return {"n_train": int(len(w.x_train)), "n_val": int(len(w.x_val)), "n_test": int(len(w.x_test)),
            "n_train_clips": len(d.train.labels) if hasattr(d.train, "labels") else None,
            "n_test_clips": len(d.test.labels) if hasattr(d.test, "labels") else None,
            "shape": list(w.x_train.shape[1:])}


def _ad_train(cfg: BuildConfig, sizing: dict, folder: Path, say: Callable[[str], None]) -> dict:
    import dataclasses

    from .data import AdFrontend
    from .train import ADTrainConfig, train_anomaly
    from .train.models import TransformerAEConfig

    f = np.load(folder.parent / "features" / "features.npz")
    fe = AdFrontend()
    deq = fe.dequantize
    tc = _train_profile(cfg, "anomaly")
    tc = dataclasses.replace(tc, student=TransformerAEConfig(**{k: v for k, v in sizing["student"].items()
                                                               if k != "kind"}),
                             quant=dataclasses.replace(tc.quant, input_range=fe.config.float_range))
    tc = tc.with_shape(*f["x_train"].shape[1:])
    r = train_anomaly(deq(f["x_train"]), deq(f["x_val"]), deq(f["x_test"]), f["y_test"], tc, seed=cfg.seed,
                      test_groups=f["test_groups"], val_groups=f["val_groups"], log=say)
    (folder / "model.tflite").write_bytes(r.tflite)
    (folder / "train.json").write_text(json.dumps(r.to_dict(), indent=1, default=float))
    return {"quality": r.quality, "facts": r.to_dict()["facts"], "threshold": r.threshold,
            "decision": r.decision, "summary": r.summary()}


# ----------------------------------------------------------- shared steps
def _firmware(cfg: BuildConfig, folder: Path) -> dict:
    from dataclasses import asdict

    from .runners.oracle import Oracle
    from .firmware import build

    from .firmware import FitError

    model = folder.parent / "train" / "model.tflite"
    frontend, why = ("kws", "") if cfg.task == "kws" else (None, "no on-device frontend for this task")
    label = f"tinyslm-{cfg.task}"  # what `profile` names it (without --mlperf)
    try:
        fw = build(model, cfg.board, folder / "project", name=cfg.task, frontend=frontend, mlperf=cfg.mlperf,
                   label=label)
    except FitError as e:
        if frontend is None:
            raise
        frontend, why = None, f"the on-device frontend does not fit: {e.what}"
        fw = build(model, cfg.board, folder / "project", name=cfg.task, mlperf=cfg.mlperf, label=label)
    try:
        tflm_arena = Oracle(model.read_bytes()).arena().total
    except TinyslmError:
        tflm_arena = None
    # the cost of each operator on the emulated board (the report reads it: it measures nothing itself)
    profile: dict = {"per_op": [], "macs": None, "instructions_per_mac": None}
    from .boards import get_board

    board = get_board(cfg.board)
    if board.emulated and board.timer == "systick":
        try:
            from .bench import bench_model

            bm = bench_model(model, cfg.board)
            profile = {"per_op": bm.per_op, "macs": bm.macs, "instructions_per_mac": bm.instructions_per_mac,
                       "bench_instructions": bm.instructions, "kernels_text": bm.kernels_text}
        except Exception as e:  # the per-op profile is an extra; the build stands without it
            profile["per_op_error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
    if profile["macs"] is None:
        from .compiler import analyze
        from .compiler.lowering import Call

        _, plan = analyze(model)
        profile["macs"] = sum(s.macs for s in plan.steps if isinstance(s, Call))
    return {"elf": str(fw.elf), "build_id": fw.build_id, "size": asdict(fw.size), "size_lines": fw.size.lines(),
            "tflm_arena": tflm_arena, "frontend": frontend, "frontend_missing_why": why, "mlperf": cfg.mlperf,
            "profile_name": fw.profile_name, **profile}


def _device(cfg: BuildConfig, folder: Path, say: Callable[[str], None]) -> dict:
    """Test examples through the firmware, compared with the host build of the same C (bit-exact with TFLM)."""
    from tqdm import tqdm

    from .boards import get_board
    from .compiler import compile_model
    from .runners.host import build_host, run_host
    from .device.emulator import emulator_for
    from .device.protocol import DutClient
    from .device.verify import run_inputs
    from .firmware import load_metadata

    b = get_board(cfg.board)
    f = np.load(folder.parent / "features" / "features.npz")
    model = folder.parent / "train" / "model.tflite"
    idx = device_indices(len(f["x_test"]), cfg.device_clips)
    np.save(folder / "device_indices.npy", idx)
    x = f["x_test"][idx]
    cm = compile_model(model, folder / "host_model", name="model", target=b.kernel_target)
    spec = cm.inputs[0]
    batches = [[xi.astype(spec.dtype).reshape(spec.shape)] for xi in x]
    host = run_host(build_host(cm, folder / "host_build"), cm, batches)
    from .runners.oracle import Oracle  # the host C against TFLM itself, on the same examples

    oracle = Oracle(model.read_bytes())
    host_vs_tflm = sum(all(np.asarray(h).tobytes() == np.ascontiguousarray(t).tobytes()
                           for h, t in zip(hs, oracle.run(b))) for hs, b in zip(host, batches))
    meta = load_metadata(folder.parent / "firmware" / "project")
    specs = [dict(dtype=o["dtype"], shape=tuple(int(d) for d in o["shape"].split("x"))) for o in meta["outputs"]]

    def run(client: DutClient):
        client.sync()
        outs, ticks, hz = [], [], 1
        for i in tqdm(range(0, len(batches), 25), desc=f"device ({b.name})", unit="x25", leave=False):
            r = run_inputs(client, batches[i:i + 25], specs, binary=True)
            outs += r.outputs
            ticks += r.ticks
            hz = r.tick_hz
        return outs, ticks, hz

    if cfg.port:
        with DutClient(cfg.port, baud=b.uart.baud, timeout=30) as client:
            info = client.info()
            if info.get("build_id") != meta["build_id"]:
                raise TinyslmError(f"the device on {cfg.port} runs build {info.get('build_id')}, not {meta['build_id']}",
                                   hint=f"flash it: tinyslm flash {folder.parent / 'firmware' / 'project'} "
                                        f"--board {b.name}")
            outs, ticks, hz = run(client)
    else:
        with emulator_for(b, Path(meta_elf(folder)), cfg.emulator) as emu, DutClient(emu.url, timeout=30) as client:
            outs, ticks, hz = run(client)
    from .device.verify import compare_runs

    identical, nbytes, problems = compare_runs(outs, host)  # a missing or short reply counts as different
    if len(outs) != len(host) or any(len(o) != len(h) or o[0].shape != h[0].shape for o, h in zip(outs, host)):
        from .errors import DeviceError

        raise DeviceError(f"the device's replies are malformed ({identical}/{len(host)} identical, {nbytes} bytes "
                          f"compared): {'; '.join(problems)}", hint="check the firmware build and the serial link")
    device_out = np.stack([o[0].reshape(-1) for o in outs])
    np.save(folder / "device_outputs.npy", device_out)
    instr = [b.ticks_to_instructions(t) if hasattr(b, "ticks_to_instructions") else t * 1_000_000_000 // hz
             for t in ticks] if not cfg.port else []
    return {"n": len(batches), "test_examples": "spread evenly over the test split (device_indices.npy)",
            "agreement_with_host": identical / max(len(host), 1),
            "identical": identical, "bytes_compared": nbytes, "problems": problems,
            "host_identical_to_tflm": int(host_vs_tflm),
            "ticks": ticks[:5], "tick_hz": hz,
            "instructions_per_inference": int(np.median(instr)) if instr else None,
            "cycles_per_inference": int(np.median(ticks)) if cfg.port else None}


def _raw_audio(cfg: BuildConfig, fw: dict, folder: Path, workers: int = 2) -> dict:
    """Test clips sent as int16 PCM; features computed on the device; top-1 vs the host pipeline.

    Each clip goes over the line as raw bytes (tinyslm-bin: an emulated UART's cost is per character), and in
    an emulator the clips are shared among `workers` instances of the same firmware (the cost is the
    emulator's own, per character: two instances on two cores take about half the time). Every clip is
    still sent, computed and compared on its own."""
    import threading

    from tqdm import tqdm

    from .boards import get_board
    from .runners.oracle import Oracle
    from .data import KwsFrontend, load_kws
    from .device.emulator import emulator_for
    from .device.protocol import DutClient

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
    fe = KwsFrontend()
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


def device_indices(n_test: int, k: int) -> np.ndarray:
    """The test examples run on the device: `k` spread evenly over the split (its files come class by class
    or clip by clip, so the first `k` could hold a few classes only, or only normal windows).

    >>> device_indices(10, 4).tolist(), device_indices(3, 200).tolist()
    ([0, 3, 6, 9], [0, 1, 2])
    """
    if k >= n_test:
        return np.arange(n_test)
    return np.unique(np.round(np.linspace(0, n_test - 1, k)).astype(np.int64))


def device_examples(out: Path) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of the test examples the device step ran, in its order."""
    f = np.load(out / "features" / "features.npz")
    idx = np.load(out / "device" / "device_indices.npy")
    return f["x_test"][idx], f["y_test"][idx]


def meta_elf(folder: Path) -> str:
    return str(folder.parent / "firmware" / "project" / "build" / "firmware.elf")


def _device_quality(cfg: BuildConfig, out: Path, train: dict) -> float:
    x_dev, labels = device_examples(out)
    dev = np.load(out / "device" / "device_outputs.npy")
    if cfg.task == "kws":
        return float(np.mean(np.argmax(dev, axis=1) == labels))
    # anomaly: scores from the device's reconstructions, AUC over the windows it ran
    from .data import AdFrontend
    from .train.metrics import roc_auc

    fe = AdFrontend()
    x = fe.dequantize(x_dev).reshape(len(dev), -1)
    recon_q = dev.reshape(len(dev), -1)
    meta = json.loads((out / "firmware" / "project" / "firmware.json").read_text())["outputs"][0]
    recon = (recon_q.astype(np.float64) - meta["zero_point"]) * float(meta["scale"])
    scores = np.mean((recon - x) ** 2, axis=1)
    if len(set(labels.tolist())) < 2:
        return float("nan")
    return float(roc_auc(labels, scores))


def run_build(cfg: BuildConfig, say: Callable[[str], None] = print) -> dict:
    """The whole pipeline; returns report.json's content."""
    plugins = task_plugins()
    if cfg.task not in TASKS and cfg.task not in plugins:
        raise TinyslmError(f"unknown task '{cfg.task}'", hint=f"use one of: {', '.join((*TASKS, *plugins))}")
    from .boards import get_board

    board = get_board(cfg.board)  # fail fast on an unknown board
    if cfg.port is None and not board.emulated:
        raise TinyslmError(f"board {board.name} is not emulated: the test set needs a device",
                           hint=f"flash it and pass --port (e.g. /dev/ttyACM0), or use an emulated board")
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = Steps(out, say)
    if cfg.task in plugins:  # a task in its own module: it runs its steps and writes its report
        return plugins[cfg.task](cfg, steps, say)
    base = {"task": cfg.task, "profile": cfg.profile, "seed": cfg.seed}
    tuned = {"tuned": cfg.tuned} if cfg.tuned is not None else {}  # in the keys of the sizing and train steps
    if cfg.task == "kws":
        data = steps.run("data", {**base, "data": str(cfg.data)}, lambda d: _kws_data(cfg, d))
        feats = steps.run("features", {}, lambda d: _kws_features(data, d))
        sizing = steps.run("sizing", {"board": cfg.board, "profile": cfg.profile, **tuned},
                           lambda d: _sizing(cfg, d, "kws"))
        say(sizing["table"])
        train = steps.run("train", {**base, **tuned}, lambda d: _kws_train(cfg, sizing, d, say))
    else:
        data = steps.run("data", {**base, "data": str(cfg.data)}, lambda d: _ad_data(cfg, d))
        feats = steps.run("features", {}, lambda d: _ad_features(data, d))
        sizing = steps.run("sizing", {"board": cfg.board, "profile": cfg.profile, **tuned},
                           lambda d: _sizing(cfg, d, "anomaly"))
        say(sizing["table"])
        train = steps.run("train", {**base, **tuned}, lambda d: _ad_train(cfg, sizing, d, say))
    fw = steps.run("firmware", {"board": cfg.board, "frontend": cfg.task == "kws", "mlperf": cfg.mlperf,
                                "per_op": True}, lambda d: _firmware(cfg, d), sources=True)
    for line in fw["size_lines"]:
        say("  " + line)
    dev = steps.run("device", {"port": cfg.port, "emulator": cfg.emulator, "n": cfg.device_clips, "spread": True,
                               "tflm": True},
                    lambda d: _device(cfg, d, say))
    raw = steps.run("raw_audio", {"port": cfg.port, "emulator": cfg.emulator, "spread": True},
                    lambda d: _raw_audio(cfg, fw, d)) if cfg.task == "kws" else {"skipped": "keyword spotting only"}
    if "top1_agreement" in raw:
        say(f"raw audio: {raw['clips']} clips as PCM, features on the device: top-1 equal to the host pipeline on "
            f"{100 * raw['top1_agreement']:.1f}%, accuracy {raw['accuracy']:.4f}")
    quality_device = _device_quality(cfg, out, train)
    from .report import write_report

    report = write_report(cfg, out, data, feats, train, fw, dev, quality_device, raw, seconds=steps.seconds)
    from .report import summary_lines

    if steps.skipped:
        say(f"(steps done earlier: {', '.join(steps.skipped)})")
    for line in summary_lines(report):
        say(line)
    say(f"report: {out / 'report.json'}, {out / 'report.html'}")
    return report
