"""`tinyslm build kws|anomaly`: data -> features -> teacher -> distilled, pruned int8 student ->
compiled C -> firmware -> the test set on the device (emulator or --port) -> report.

Every step writes its results under OUT/<step>/ with a done.json holding a key made
of its configuration, tinyslm's own code (a hash of the package) and the keys of the
steps before it: run the command again and finished steps are skipped; change a
setting or the code and that step and the ones after it run again. Same inputs and
seed: same .tflite, same C, same firmware bytes.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import tasks
from .errors import TinyslmError
from .tasks import AudioTask, device_examples, device_indices, meta_elf

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
        from .resources import package_digest, sources_digest

        key = _key({"config": config, "upstream": self.keys, "tinyslm": __version__, "code": package_digest(),
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


def _sizing(cfg: BuildConfig, folder: Path, task: AudioTask) -> dict:
    from .boards import get_board
    from .train import Budget
    from .train.models import config_dict

    if cfg.tuned is not None:  # the student a search chose (the firmware step still checks that it fits)
        from .tune.space import describe

        student = task.profile(cfg).student
        table = f"student from tinyslm tune: {describe(task.name, cfg.tuned, cfg.quick)}"
        (folder / "sizing.txt").write_text(table + "\n")
        return {"student": config_dict(student), "table": table}

    b = get_board(cfg.board)
    budget = Budget(flash_bytes=b.memory.flash_bytes, ram_bytes=b.memory.ram_bytes, board=b.name)
    choice = task.size(budget, cfg.quick)
    table = choice.table()
    (folder / "sizing.txt").write_text(table + "\n")
    if choice.chosen is None:
        raise TinyslmError(choice.refusal(), where=cfg.board,
                           hint="choose a board with more memory (tinyslm boards)")
    return {"student": config_dict(choice.chosen.cfg), "table": table}


# ----------------------------------------------------------- shared steps
def _firmware(cfg: BuildConfig, folder: Path, task: AudioTask) -> dict:
    from dataclasses import asdict

    from .runners.oracle import Oracle
    from .firmware import FitError, build_fitting

    model = folder.parent / "train" / "model.tflite"
    frontend, why = (task.frontend, "") if task.frontend else (None, "no on-device frontend for this task")
    label = f"tinyslm-{cfg.task}"  # what `profile` names it (without --mlperf)
    fe_cfg = task.frontend_config(cfg) if task.frontend_config else None  # a tuned point's: its own C tables
    fe_kw = {}
    if fe_cfg:
        from .data.frontend import FrontendConfig

        fe_kw = {"frontend_config": FrontendConfig.from_dict(fe_cfg)}
    try:
        fw, optimize_why = build_fitting(model, cfg.board, folder / "project", name=task.name, frontend=frontend,
                                         mlperf=cfg.mlperf, label=label, **fe_kw)
    except FitError as e:
        if frontend is None:
            raise
        frontend, why = None, f"the on-device frontend does not fit: {e.what}"
        fw, optimize_why = build_fitting(model, cfg.board, folder / "project", name=task.name, mlperf=cfg.mlperf,
                                         label=label)
    optimize = fw.optimize
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

            bm = bench_model(model, cfg.board, optimize=optimize)
            profile = {"per_op": bm.per_op, "macs": bm.macs, "instructions_per_mac": bm.instructions_per_mac,
                       "bench_instructions": bm.instructions, "kernels_text": bm.kernels_text}
        except Exception as e:  # the per-op profile is an extra; the build stands without it
            profile["per_op_error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
    if profile["macs"] is None:  # what the firmware's compile step wrote (NAME.json), not a second compile
        from .compiler import artifact

        profile["macs"] = artifact.load(folder / "project" / "model" / f"{task.name}.json").macs
    return {"elf": str(fw.elf), "build_id": fw.build_id, "size": asdict(fw.size), "size_lines": fw.size.lines(),
            "tflm_arena": tflm_arena, "frontend": frontend, "frontend_missing_why": why, "mlperf": cfg.mlperf,
            "optimize": optimize, "optimize_why": optimize_why,
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
    from .compiler.targets import host_target

    # the host build of the same C (for kernels of one CPU only, Helium, the ones they fall back to: same bytes)
    cm = compile_model(model, folder / "host_model", name="model", target=host_target(b.kernel_target))
    spec = cm.inputs[0]
    every = [[xi.astype(spec.dtype).reshape(spec.shape)] for xi in f["x_test"]]
    host_every = run_host(build_host(cm, folder / "host_build"), cm, every)
    from .compare import compare_outputs  # a missing or short output counts as different
    from .runners.oracle import Oracle  # the host C against TFLM itself, on every test example

    oracle = Oracle(model.read_bytes())
    tflm_same = [compare_outputs(oracle.run(x), h).identical for h, x in zip(host_every, every)]
    batches, host = [every[i] for i in idx], [host_every[i] for i in idx]
    host_vs_tflm = sum(tflm_same[i] for i in idx)
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
            "tflm_agreement": sum(tflm_same) / max(len(tflm_same), 1), "tflm_examples": len(tflm_same),
            "ticks": ticks[:5], "tick_hz": hz,
            "instructions_per_inference": int(np.median(instr)) if instr else None,
            "cycles_per_inference": int(np.median(ticks)) if cfg.port else None}


def run_build(cfg: BuildConfig, say: Callable[[str], None] = print) -> dict:
    """The whole pipeline; returns report.json's content."""
    task = tasks.get(cfg.task)
    from .boards import get_board

    board = get_board(cfg.board)  # fail fast on an unknown board
    if cfg.port is None and not board.emulated:
        raise TinyslmError(f"board {board.name} is not emulated: the test set needs a device",
                           hint=f"flash it and pass --port (e.g. /dev/ttyACM0), or use an emulated board")
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = Steps(out, say)
    if not isinstance(task, AudioTask):  # a task with steps of its own: it runs them and writes its report
        return task(cfg, steps, say)
    base = {"task": cfg.task, "profile": cfg.profile, "seed": cfg.seed}
    tuned = {"tuned": cfg.tuned} if cfg.tuned is not None else {}  # in the keys of the sizing and train steps
    data = steps.run("data", {**base, "data": str(cfg.data)}, lambda d: task.data(cfg, d))
    fe_cfg = task.frontend_config(cfg) if task.frontend_config else None  # a tuned point's frontend
    feats = steps.run("features", {"frontend": fe_cfg} if fe_cfg else {},
                      lambda d: task.features(data, d, **({"frontend": fe_cfg} if fe_cfg else {})))
    sizing = steps.run("sizing", {"board": cfg.board, "profile": cfg.profile, **tuned},
                       lambda d: _sizing(cfg, d, task))
    say(sizing["table"])
    train = steps.run("train", {**base, **tuned}, lambda d: task.train(cfg, sizing, d, say))
    fw = steps.run("firmware", {"board": cfg.board, "frontend": task.frontend is not None, "mlperf": cfg.mlperf,
                                "per_op": True}, lambda d: _firmware(cfg, d, task), sources=True)
    for line in fw["size_lines"]:
        say("  " + line)
    if fw.get("optimize") == "size":
        say(f"  built for size (-Os): {fw['optimize_why']}")
    dev = steps.run("device", {"port": cfg.port, "emulator": cfg.emulator, "n": cfg.device_clips, "spread": True,
                               "tflm": True},
                    lambda d: _device(cfg, d, say))
    raw_audio = task.raw_audio
    raw = steps.run("raw_audio", {"port": cfg.port, "emulator": cfg.emulator, "spread": True},
                    lambda d: raw_audio(cfg, fw, d)) if raw_audio else {"skipped": f"{task.name}: no raw input"}
    if "top1_agreement" in raw:
        say(f"raw audio: {raw['clips']} clips as PCM, features on the device: top-1 equal to the host pipeline on "
            f"{100 * raw['top1_agreement']:.1f}%, accuracy {raw['accuracy']:.4f}")
    # held-out sets nobody tuned on, made and read once here, after everything else (task.fresh)
    fresh = steps.run("fresh", {**base, "data": str(cfg.data), "v": 3}, lambda d: task.fresh(cfg, d, say)) \
        if task.fresh else {"skipped": f"{task.name}: no fresh test set"}
    x_dev, labels = device_examples(out)
    quality_device = task.device_quality(cfg, out, np.load(out / "device" / "device_outputs.npy"), x_dev, labels)
    from .report import write_report

    report = write_report(cfg, out, data, feats, train, fw, dev, quality_device, raw, seconds=steps.seconds,
                          fresh=fresh)
    from .report import summary_lines

    if steps.skipped:
        say(f"(steps done earlier: {', '.join(steps.skipped)})")
    for line in summary_lines(report):
        say(line)
    say(f"report: {out / 'report.json'}, {out / 'report.html'}")
    return report
