"""`tinyslm tune`: the search's driver (data, the shared teacher, Ray Tune, the front, QEMU, the page).

(~470 lines on purpose: one straight path from the folder layout below to the page, in the order it runs;
the trial itself is trial.py, the search space space.py, the cost model cost.py, the front and page results.py.)

OUT/
  data/, features/       the build's own steps (same keys: ``tinyslm build --from-tune`` reuses them)
  features_mfcc<K>x<T>/  kws: training and validation features of every other frontend of the space
  dev_data/, dev_features/   anomaly only: labelled development machines (another seed) for validation AUC
  sizing/                the default build's student for this board (the search's first point)
  teacher/               the one teacher every trial distils from (weights.npz)
  ray/search/            Ray Tune's experiment (every trial's results and checkpoint; what resuming reads)
  trials/<id>/           each finished trial's model.tflite and trial.json
  search.json            the search's settings (a second run must match them to resume)
  tune.json, tune.html   the Pareto front and every trial

(~470 lines in one module on purpose: the driver's steps share the search's settings and Ray's session,
and read top to bottom in the order they run; the trial itself, the space, costs and results live in their
own modules.)
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import TinyslmError

Say = Callable[[str], None]


@dataclass(frozen=True)
class TuneSettings:
    task: str
    board: str
    out: Path
    trials: int = 20
    budget_minutes: float | None = None
    ray_address: str | None = None
    quick: bool = False
    seed: int = 0
    data: Path | None = None
    dev_data: Path | None = None  # anomaly: labelled development machines (default: synthetic, seed + 1)
    cpus_per_trial: int = 2
    num_cpus: int | None = None  # local Ray only (default: this machine's cores)
    measure: bool = True  # measure the front's instructions in QEMU

    @property
    def profile(self) -> str:
        return "quick" if self.quick else "default"

    def identity(self) -> dict:
        """What must match for a second run in the same folder to resume the same search."""
        return {"task": self.task, "board": self.board, "profile": self.profile, "seed": self.seed,
                "data": str(self.data) if self.data else None, "dev_data": str(self.dev_data) if self.dev_data else None,
                "trials": self.trials}


# ----------------------------------------------------------------- preparation
def _build_config(s: TuneSettings) -> Any:
    from ..pipeline import BuildConfig

    return BuildConfig(task=s.task, board=s.board, out=s.out, data=s.data, quick=s.quick, seed=s.seed)


def prepare_data(s: TuneSettings, steps: Any) -> dict[str, np.ndarray]:
    """Features through the build's own steps; returns the int8 arrays the trials get (no test split)."""
    from .. import tasks

    bc = _build_config(s)
    base = {"task": s.task, "profile": s.profile, "seed": s.seed}
    if s.task == "kws":
        data = steps.run("data", {**base, "data": str(s.data)}, lambda d: tasks.get("kws").data(bc, d))
        steps.run("features", {}, lambda d: tasks.get("kws").features(data, d))
        f = np.load(s.out / "features" / "features.npz")
        arrays = {k: f[k] for k in ("x_train", "y_train", "x_val", "y_val")}
        arrays["root"] = data["root"]  # for other frontends' features (frontend_features)
        return arrays
    data = steps.run("data", {**base, "data": str(s.data)}, lambda d: tasks.get("anomaly").data(bc, d))
    steps.run("features", {}, lambda d: tasks.get("anomaly").features(data, d))
    f = np.load(s.out / "features" / "features.npz")
    arrays = {k: f[k] for k in ("x_train", "x_val", "val_groups")}
    dev = prepare_dev(s, steps)
    arrays.update(x_dev=dev["x_test"], y_dev=dev["y_test"], dev_groups=dev["test_groups"])
    return arrays


def prepare_dev(s: TuneSettings, steps: Any) -> Any:
    """Anomaly detection validates on labelled machines the build never sees: a synthetic set made with
    another seed (the project's rule for model choices), or --dev-data."""
    from .. import tasks
    from ..data import make_ad_dataset

    if s.data is not None and s.dev_data is None:
        raise TinyslmError("tinyslm tune anomaly with --data needs --dev-data", where=str(s.data),
                           hint="the validation split holds normal windows only: pass --dev-data DIR, a folder in "
                                "the same layout with other machines whose test split is labelled (never the "
                                "test split of --data)")
    dev_seed = s.seed + 1

    def make(folder: Path) -> dict:
        if s.dev_data is not None:
            return {"root": str(Path(s.dev_data).resolve()), "source": "user folder"}
        make_ad_dataset(folder / "machines", profile=s.profile, seed=dev_seed)
        return {"root": str((folder / "machines").resolve()), "source": f"synthetic, seed {dev_seed}"}

    data = steps.run("dev_data", {"profile": s.profile, "seed": dev_seed, "dev_data": str(s.dev_data)}, make)
    steps.run("dev_features", {}, lambda d: tasks.get("anomaly").features(data, d))
    return np.load(s.out / "dev_features" / "features.npz")


def frontend_features(s: TuneSettings, arrays: dict, steps: Any) -> dict[str, dict[str, np.ndarray]]:
    """KWS: the training and validation clips through every other frontend of the space (MFCC count x frame
    step), one step each (features_<tag>/features.npz), from the same audio as the default features."""
    from ..data import KwsFrontend, load_kws
    from .space import default_frontend, frontend_config, frontend_tag, space_for

    space = space_for("kws", s.quick)
    points = [{"mfcc": m, "frame_step": st} for m in space.mfccs for st in space.frame_steps]
    out: dict[str, dict[str, np.ndarray]] = {}
    clips = None
    for p in points:
        if default_frontend(p):
            continue
        cfg = frontend_config(p)
        tag = frontend_tag(p)

        def make(d: Path, cfg: Any = cfg) -> dict:
            nonlocal clips
            clips = clips or load_kws(arrays["root"])
            fe = KwsFrontend(cfg)
            np.savez_compressed(d / "features.npz", **{f"x_{sp}": fe(clips.split(sp).audio) for sp in ("train", "val")})
            return {"frontend": cfg.to_dict()}

        steps.run(f"features_{tag}", {"frontend": cfg.to_dict()}, make)
        f = np.load(s.out / f"features_{tag}" / "features.npz")
        out[tag] = {"x_train": f["x_train"], "x_val": f["x_val"]}
    return out


def clip_logits(s: TuneSettings, arrays: dict[str, np.ndarray], weights: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The shared teacher's logits per training and validation clip on its own (default) features: what a
    student on another frontend distils from (tinyslm.train.clip_teacher)."""
    from ..train.clip_teacher import teacher_logits
    from ..train.models import Normalization
    from .space import base_train_config
    from .trial import Job, frontend, teacher_model

    deq = frontend("kws").dequantize
    x_train, x_val = deq(arrays["x_train"]), deq(arrays["x_val"])
    norm = Normalization.fit(x_train) if base_train_config("kws", s.quick).normalize else None
    if norm is not None:
        x_train, x_val = norm.apply(x_train), norm.apply(x_val)
    teacher = teacher_model(Job(task="kws", quick=s.quick, seed=s.seed, board=s.board, threads=s.cpus_per_trial,
                                arrays=arrays, teacher_weights=weights))
    return {"train": teacher_logits(teacher, x_train), "val": teacher_logits(teacher, x_val)}


def train_teacher(s: TuneSettings, arrays: dict[str, np.ndarray], folder: Path, say: Say) -> dict:
    """The one teacher of the search, trained exactly as the build trains its own (same seed and data)."""
    from ..train.api import ad_normalization, train_ad_teacher
    from ..train.metrics import accuracy
    from .space import base_train_config
    from .trial import frontend

    deq = frontend(s.task).dequantize
    cfg = base_train_config(s.task, s.quick)
    x_train, x_val = deq(arrays["x_train"]), deq(arrays["x_val"])
    if s.task == "kws":
        from ..train.clip_teacher import train_kws_teacher

        n_classes = int(max(arrays["y_train"].max(), arrays["y_val"].max()) + 1)
        # as train_kws trains its own (a --from-tune build on another frontend trains it with this function)
        teacher, norm = train_kws_teacher(cfg, x_train, arrays["y_train"], x_val, arrays["y_val"], s.seed,
                                          max(cfg.student.classes, n_classes))
        say(f"[teacher] {cfg.teacher.describe()}, {teacher.count_params():,d} params")
        if norm is not None:
            x_val = norm.apply(x_val)
        quality = accuracy(arrays["y_val"], teacher.predict(x_val, batch_size=256, verbose=0))
    else:
        cfg = cfg.with_shape(*x_train.shape[1:])
        norm = ad_normalization(cfg, x_train)
        if norm is not None:
            x_train, x_val = norm.apply(x_train), norm.apply(x_val)
        teacher, _ = train_ad_teacher(cfg, x_train, x_val, s.seed, False, say)
        quality = float("nan")
    np.savez(folder / "weights.npz", *teacher.get_weights())
    return {"describe": cfg.teacher.describe(), "quality_val": float(quality)}


def teacher_weights(folder: Path) -> list[np.ndarray]:
    w = np.load(folder / "weights.npz")
    return [w[f"arr_{i}"] for i in range(len(w.files))]


def baseline_point(s: TuneSettings, steps: Any, say: Say) -> dict | None:
    """The student a default build picks for this board (the build's sizing step), as a point of the space,
    with the profile's pruning: the search's first trial, for comparison."""
    from .. import pipeline as P
    from .. import tasks
    from .space import base_train_config, point_of_student

    try:
        sizing = steps.run("sizing", {"board": s.board, "profile": s.profile},
                           lambda d: P._sizing(_build_config(s), d, tasks.get(s.task)))
    except TinyslmError as e:
        say(f"[sizing] the default build has no student for {s.board} ({e.what}); the search starts without it")
        return None
    from ..train.models import KWTConfig, TransformerAEConfig

    fields = {k: v for k, v in sizing["student"].items() if k != "kind"}
    student = KWTConfig(**fields) if s.task == "kws" else TransformerAEConfig(**fields)
    prune = base_train_config(s.task, s.quick).prune
    return point_of_student(s.task, student, prune.target_sparsity if prune else 0.0)


def check_smallest(s: TuneSettings, arrays: dict[str, np.ndarray], say: Say, board: Any = None) -> None:
    """Refuse a board that not even the smallest point of the space fits, before any trial runs (`board`:
    a :class:`tinyslm.boards.Board`, default the settings' one)."""
    import dataclasses

    from ..boards import get_board
    from ..train.sizing import analytic_estimator
    from .cost import need_of, random_int8
    from .space import describe, space_for, student_config

    shape = arrays["x_train"].shape[1:]

    def student(p: dict) -> Any:
        c = student_config(s.task, p, s.quick)  # KWS: the input of the point's frontend
        return c if s.task == "kws" else dataclasses.replace(c, frames=shape[0], mels=shape[1])

    pts = space_for(s.task, s.quick).points(s.task)
    smallest = min(pts, key=lambda p: (lambda n: (n.arena_bytes + n.io_bytes, n.weights_bytes))(
        analytic_estimator(student(p))))
    board = board or get_board(s.board)
    need = need_of(random_int8(student(smallest), s.seed), board)
    if not need.fits:
        raise TinyslmError(f"no point of the search space fits {board.name}: even the smallest, "
                           f"{describe(s.task, smallest, s.quick)}, needs {need.why()}",
                           where=board.name, hint="choose a board with more memory (tinyslm boards)")
    say(f"[space] smallest point {describe(s.task, smallest, s.quick)}: RAM {need.ram_bytes:,d} B, "
        f"flash {need.flash_bytes:,d} B: fits {board.name}")


# ----------------------------------------------------------------- Ray
def _init_ray(s: TuneSettings, say: Say) -> dict:
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    import logging

    import ray

    if ray.is_initialized():
        ray.shutdown()
    t0 = time.time()
    if s.ray_address:
        ray.init(address=s.ray_address, log_to_driver=False, logging_level=logging.WARNING)
    else:
        ray.init(num_cpus=s.num_cpus or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.WARNING)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    say(f"[ray] {'connected to ' + s.ray_address if s.ray_address else 'local Ray started'}: {cpus} CPUs, "
        f"{s.cpus_per_trial} per trial ({time.time() - t0:.1f} s)")
    if cpus < s.cpus_per_trial:
        raise TinyslmError(f"each trial asks for {s.cpus_per_trial} CPUs but the Ray cluster has {cpus}",
                           hint="lower --cpus-per-trial")
    return {"cpus": cpus, "address": s.ray_address or "local"}


def _progress_callback(total: int, budget_s: float | None, concurrency: int, say: Say,
                       maximize: bool = True) -> Any:
    from ray import tune

    class Progress(tune.Callback):
        """One line per finished trial: trials done, best so far, time left."""

        def __init__(self) -> None:
            self.t0 = time.time()
            self.done: list[float] = []
            self.best: tuple[float, str] | None = None
            self.finals: set[str] = set()

        def _left(self) -> str:
            elapsed = time.time() - self.t0
            if budget_s:
                return f"{max(0.0, budget_s - elapsed) / 60:.1f} min of the budget left"
            n = len(self.done)
            if not n:
                return "time left unknown"
            left = elapsed / n * max(0, total - n)  # finished trials per second so far, all running at once
            return f"about {left / 60:.1f} min left"

        def on_trial_result(self, iteration, trials, trial, result, **info):
            if not result.get("final") or trial.trial_id in self.finals:
                return
            self.finals.add(trial.trial_id)
            self.done.append(time.time())
            q = float(result.get("quality", float("nan")))
            if result.get("fits"):
                if self.best is None or (q > self.best[0] if maximize else q < self.best[0]):
                    self.best = (q, trial.trial_id)
                what = (f"quality {q:.4f}{'' if maximize else ' (lower is better)'}, "
                        f"~{result.get('instructions_est', 0) / 1e6:.2f} M instructions, "
                        f"RAM {result.get('ram_bytes', 0) / 1024:.1f} KB, flash {result.get('flash_bytes', 0) / 1024:.1f} KB")
            else:
                what = f"does not fit: {result.get('why')}"
            best = f"best so far {self.best[0]:.4f} ({self.best[1]})" if self.best else "nothing fits yet"
            say(f"[tune] {len(self.done)}/{total} done: {trial.trial_id} {result.get('describe', '')}: {what}; "
                f"{best}; {self._left()}")

        def on_trial_complete(self, iteration, trials, trial, **info):
            if trial.trial_id not in self.finals:
                self.finals.add(trial.trial_id)
                self.done.append(time.time())
                r = trial.last_result or {}
                say(f"[tune] {len(self.done)}/{total} done: {trial.trial_id} stopped by ASHA (or the budget) at step "
                    f"{r.get('step', '?')} (validation {r.get('quality', float('nan')):.4f}); {self._left()}")

        def on_trial_error(self, iteration, trials, trial, **info):
            self.finals.add(trial.trial_id)
            self.done.append(time.time())
            say(f"[tune] {len(self.done)}/{total} done: {trial.trial_id} failed (see {trial.local_path})")

    return Progress()


def _trial_dirname(trial: Any) -> str:
    return f"trial_{trial.trial_id}"


def _point_key(point: dict, keys: "tuple[str, ...] | None" = None) -> tuple:
    return tuple(sorted((k, point.get(k)) for k in (keys or point)))


def seeded_asha(seeded: list[dict], **kw: Any) -> Any:
    """Ray Tune's ASHA, except that the seeded points (the default build's student and its cheaper neighbours)
    are never stopped early: they are what the search is judged against, so each trains to the end, and a
    neighbour is not cut for learning slower in its first epochs than the trials that reached the rung before
    it (which is what made the issue's comparison depend on trial order)."""
    from ray.tune.schedulers import ASHAScheduler, TrialScheduler

    class SeededASHA(ASHAScheduler):
        exempt = {_point_key(p) for p in seeded}
        keys = tuple(sorted(seeded[0])) if seeded else ()

        def on_trial_result(self, tune_controller: Any, trial: Any, result: dict) -> str:
            action = super().on_trial_result(tune_controller, trial, result)
            early = result.get(self._time_attr, 0) < self._max_t
            if action == TrialScheduler.STOP and early and _point_key(trial.config, self.keys) in self.exempt:
                self._num_stopped -= 1
                return TrialScheduler.CONTINUE
            return action

    return SeededASHA(**kw)


def run_search(s: TuneSettings, job: Any, baseline: dict | None, say: Say) -> Any:
    from ray import tune
    from ray.tune.search import BasicVariantGenerator

    from .space import base_train_config, cheaper_neighbours, space_for
    from .trial import run_trial

    lm = s.task == "lm"
    if lm:  # the language model: its own space, trial and direction (bits per character: lower is better)
        from . import lm as tlm

        run_trial, mode = tlm.run_lm_trial, "min"
    else:
        mode = "max"
    info = _init_ray(s, say)
    storage = (s.out / "ray").resolve()
    path = storage / "search"
    trainable = tune.with_resources(tune.with_parameters(run_trial, job=job), {"cpu": s.cpus_per_trial})
    concurrency = max(1, info["cpus"] // s.cpus_per_trial)
    if tune.Tuner.can_restore(str(path)):
        say(f"[tune] resuming the search in {path}")
        tuner = tune.Tuner.restore(str(path), trainable=trainable, resume_errored=True)
    else:
        epochs = (tlm.train_config(s.quick).student_epochs if lm else
                  base_train_config(s.task, s.quick).student_fit.epochs)
        # one rung, after a third of the distillation epochs: the reduction factor is what puts the next rung
        # past the last step (a second rung at 18 or 24 of the 29 steps saved little and cut
        # neighbours of the default student that were level with it)
        grace = max(1, epochs // 3)
        space = tlm.space_for(s.quick) if lm else space_for(s.task, s.quick)
        neighbours = tlm.cheaper_neighbours(baseline, space) if lm and baseline else \
            cheaper_neighbours(s.task, baseline, space) if baseline else []
        # a third of the trials, at least two from three trials on (the default student and its first neighbour)
        first = [baseline, *neighbours][:max(1, s.trials // 3, 2 if s.trials >= 3 else 1)] if baseline else None
        scheduler = seeded_asha(first or [], time_attr="step", max_t=job.max_step(), grace_period=grace,
                                reduction_factor=max(3, -(-job.max_step() // grace)))
        search = BasicVariantGenerator(points_to_evaluate=first, random_state=s.seed)
        tuner = tune.Tuner(
            trainable, param_space=space.ray() if lm else space.ray(s.task),
            tune_config=tune.TuneConfig(metric="quality", mode=mode, num_samples=s.trials, scheduler=scheduler,
                                        search_alg=search, trial_dirname_creator=_trial_dirname,
                                        # lm: a trial's worker is reused by the next (TensorFlow imported once)
                                        reuse_actors=lm,
                                        time_budget_s=s.budget_minutes * 60 if s.budget_minutes else None),
            run_config=tune.RunConfig(name="search", storage_path=str(storage), verbose=0,
                                      callbacks=[_progress_callback(s.trials, s.budget_minutes and
                                                                    s.budget_minutes * 60, concurrency, say,
                                                                    maximize=mode == "max")],
                                      failure_config=tune.FailureConfig(max_failures=0)))
    t0 = time.time()
    grid = tuner.fit()
    say(f"[tune] Ray Tune finished in {time.time() - t0:.0f} s")
    return grid, info


# ----------------------------------------------------------------- collection
def collect(s: TuneSettings, grid: Any) -> list[dict]:
    """Every trial of the experiment as a row; finished trials' artifacts copied to OUT/trials/<id>/."""
    from ..boards import get_board
    from .cost import need_of
    from .space import describe

    if s.task == "lm":
        from .lm import describe as lm_describe

        describe = lambda task, point, quick: lm_describe(point)  # noqa: E731
    board = get_board(s.board)
    rows = []
    for r in grid:
        m = dict(r.metrics or {})
        tid = m.get("trial_id") or Path(r.path).name
        point = {k: v for k, v in (r.config or {}).items()}
        row: dict[str, Any] = {"id": tid, "point": point, "describe": describe(s.task, point, s.quick) if point else "",
                               "step": m.get("step")}
        if r.error is not None:
            row.update(status="error", error=str(r.error).splitlines()[-1][:300] if str(r.error) else "error",
                       final=False, fits=False)
        elif m.get("final"):
            keep = ("quality", "fits", "why", "arena_bytes", "io_bytes", "ram_bytes", "weights_bytes", "flash_bytes",
                    "macs", "instructions_est", "params", "int8_sparsity", "stages", "seconds", "student",
                    "kv_cache_bytes", "epoch_reports")
            row.update({k: m[k] for k in keep if k in m}, final=True,
                       status="finished" if m.get("fits") else "does not fit")
            if r.checkpoint is not None:
                dest = s.out / "trials" / tid
                dest.mkdir(parents=True, exist_ok=True)
                with r.checkpoint.as_directory() as d:
                    for f in Path(d).iterdir():
                        shutil.copyfile(f, dest / f.name)
                row["tflite"] = str((dest / "model.tflite").relative_to(s.out))
                if m.get("fits"):  # the estimate with this tinyslm's cost model (trials may have run elsewhere)
                    row["instructions_est"] = need_of(dest / "model.tflite", board).instructions_est
        else:
            # ASHA stopped it, or the time budget or Ctrl+C ended the search first (a second run resumes these)
            row.update(status="stopped before its last step", quality=m.get("quality"), final=False, fits=None)
        rows.append(row)
    return sorted(rows, key=lambda r: r["id"])


def measure_front(s: TuneSettings, front: list[dict], say: Say) -> None:
    from ..boards import get_board
    from .cost import can_measure, measure_instructions

    board = get_board(s.board)
    if not s.measure or not can_measure(board):
        if s.measure:
            say(f"[measure] {s.board} has no QEMU bench runtime (SysTick): front instructions are estimates")
        return
    for p in front:
        cache = s.out / "trials" / p["id"] / "measured.json"
        if cache.exists():
            p["instructions_measured"] = json.loads(cache.read_text())["instructions"]
            continue
        t0 = time.time()
        n = measure_instructions(s.out / p["tflite"], board)
        cache.write_text(json.dumps({"instructions": n, "board": s.board}))
        p["instructions_measured"] = n
        say(f"[measure] {p['id']}: {n:,d} instructions in QEMU (estimated {p['instructions_est']:,d}, "
            f"{100 * (p['instructions_est'] - n) / n:+.1f}%), {time.time() - t0:.0f} s")


# ----------------------------------------------------------------- the command
def run_tune(s: TuneSettings, say: Say = print) -> dict:
    from ..boards import get_board
    from ..pipeline import Steps
    from .results import pareto_front, write_html
    from .trial import Job

    if s.task not in ("kws", "anomaly", "lm"):
        raise TinyslmError(f"unknown task '{s.task}'", hint="use kws, anomaly or lm")
    if s.trials < 1:
        raise TinyslmError(f"--trials {s.trials}: at least one trial", hint="e.g. --trials 20")
    board = get_board(s.board)
    try:
        import ray  # noqa: F401
        from ray import tune as _  # noqa: F401
    except ImportError:
        raise TinyslmError("tinyslm tune runs on Ray Tune, which is not installed",
                           hint="pip install 'tinyslm[tune]' (or pip install 'ray[tune]')") from None
    out = Path(s.out)
    out.mkdir(parents=True, exist_ok=True)
    ident = out / "search.json"
    if ident.exists() and json.loads(ident.read_text()) != s.identity():
        raise TinyslmError(f"{out} holds another search ({json.loads(ident.read_text())})", where=str(out),
                           hint="use another --out, or the same settings to resume it")
    ident.write_text(json.dumps(s.identity(), indent=1))
    t0 = time.time()
    steps = Steps(out, say)
    maximize = s.task != "lm"  # bits per character: lower is better
    if s.task == "lm":
        from . import lm as tlm

        job, baseline, teacher = tlm.prepare(s, steps, board, say)
    else:
        arrays = prepare_data(s, steps)
        check_smallest(s, arrays, say, board)
        baseline = baseline_point(s, steps, say)
        teacher = steps.run("teacher", {"task": s.task, "profile": s.profile, "seed": s.seed},
                            lambda d: train_teacher(s, arrays, d, say))
        weights = teacher_weights(out / "teacher")
        others = frontend_features(s, arrays, steps) if s.task == "kws" else {}
        arrays.pop("root", None)
        job = Job(task=s.task, quick=s.quick, seed=s.seed, board=s.board, threads=s.cpus_per_trial, arrays=arrays,
                  teacher_weights=weights, frontends=others,
                  teacher_logits=clip_logits(s, arrays, weights) if others else {})
    import ray

    try:
        grid, info = run_search(s, job, baseline, say)
        rows = collect(s, grid)
    finally:
        if ray.is_initialized():
            ray.shutdown()
    points = [r for r in rows if r.get("final") and r.get("fits")]
    if not points:
        failed = [r for r in rows if r.get("status") == "error"]
        if failed and len(failed) == len(rows):
            raise TinyslmError(f"every trial failed ({len(failed)}): {failed[0]['error']}", where=str(out / "ray"),
                               hint="see the trials' error.txt under the Ray experiment folder")
        if not any(r.get("final") for r in rows):
            raise TinyslmError(f"no trial finished: {len(rows)} stopped before their last step (the time budget, "
                               "ASHA or an interruption)", where=str(out),
                               hint="run the same command again to resume the search (a larger --budget-minutes "
                                    "gives its trials more time)")
        unfit = [r for r in rows if r.get("final") and not r.get("fits")]
        raise TinyslmError(f"no trial fits {s.board}: {len(unfit)} of {len(rows)} trials were too large"
                           + (f" (e.g. {unfit[0]['describe']}: {unfit[0]['why']})" if unfit else ""),
                           where=str(out), hint="run more trials (--trials) or choose a board with more memory")
    front = pareto_front(points, maximize=maximize)
    front = [{**p, "pick": i} for i, p in enumerate(front)]
    measure_front(s, front, say)
    base_id = next((r["id"] for r in rows if baseline is not None and r["point"] == baseline), None)
    tune = {
        "task": s.task, "board": s.board, "profile": s.profile, "seed": s.seed,
        "data": str(Path(s.data).resolve()) if s.data else None,
        "quality_metric": ("validation accuracy (int8, TFLM)" if s.task == "kws" else
                           "ROC AUC on development machines (int8, TFLM)" if s.task == "anomaly" else tlm.QUALITY_METRIC),
        "quality_lower_is_better": not maximize,
        "limits": {"ram_bytes": board.memory.ram_bytes, "flash_bytes": board.memory.flash_bytes},
        "ray": {"address": info["address"], "cpus": info["cpus"], "cpus_per_trial": s.cpus_per_trial,
                "search": f"random search (BasicVariantGenerator, seed {s.seed}; first points: the default build's "
                          "student and its cheaper neighbours)" if baseline else
                          f"random search (BasicVariantGenerator, seed {s.seed})",
                "scheduler": "ASHA early stopping on validation quality per epoch (never of the seeded points)"
                             + ("" if maximize else "; mode min (bits per character)")},
        "teacher": teacher, "baseline": base_id, "trials": rows, "front": front,
        "seconds": time.time() - t0, "settings": {k: str(v) if isinstance(v, Path) else v
                                                  for k, v in asdict(s).items()},
        **(tlm.tune_fields(s) if s.task == "lm" else {}),
    }
    (out / "tune.json").write_text(json.dumps(tune, indent=1, default=float))
    write_html(tune, out / "tune.html")
    say(f"[tune] front ({len(front)} of {len(points)} fitting trials; quality: {tune['quality_metric']}):")
    for p in front:
        meas = f", measured {p['instructions_measured']:,d}" if p.get("instructions_measured") else ""
        say(f"  pick {p['pick']}: {p['describe']}: quality {p['quality']:.4f}, instructions ~{p['instructions_est']:,d}"
            f"{meas}, RAM {p['ram_bytes']:,d} B, flash {p['flash_bytes']:,d} B"
            + ("  (the default build's student)" if p["id"] == base_id else ""))
    say(f"[tune] {out / 'tune.json'}, {out / 'tune.html'}; build one: tinyslm build --from-tune {out} --pick N")
    return tune


def prepare_build(tune_dir: Path, out: Path) -> None:
    """Give a --from-tune build folder the search's data and features steps (same keys: skipped there)."""
    for step, files in (("data", ("done.json",)), ("features", ("done.json", "features.npz"))):
        src = Path(tune_dir) / step
        dst = Path(out) / step
        if (dst / "done.json").exists() or not (src / "done.json").exists():
            continue
        dst.mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copyfile(src / f, dst / f)
