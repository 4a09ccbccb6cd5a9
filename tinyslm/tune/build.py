"""`tinyslm build --from-tune DIR --pick N`: one point of a search's front, built like a default build."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from ..errors import TinyslmError


def build_from_tune(tune_dir: Path | None, n: int | None, task: str | None, out: Path | None, port: str | None,
                    emulator: str, device_clips: int | None, say: Callable[[str], None] = print) -> dict:
    """Train, compile, build, run on the device and report the picked point; then compare with the search."""
    from ..pipeline import BuildConfig, run_build
    from .results import load, pick
    from .run import prepare_build

    if tune_dir is None or n is None:
        raise TinyslmError("--from-tune and --pick go together", hint="tinyslm build --from-tune DIR --pick N")
    tune = load(tune_dir)
    p = pick(tune, n, str(tune_dir))
    if task is not None and task != tune["task"]:
        raise TinyslmError(f"{tune_dir} is a {tune['task']} search, not {task}",
                           hint=f"tinyslm build --from-tune {tune_dir} --pick {n} (the task comes from the search)")
    quick = tune["profile"] == "quick"
    out = Path(out) if out is not None else Path(tune_dir) / f"build-pick{n}"
    prepare_build(Path(tune_dir), out)
    say(f"[from-tune] pick {n}: {p['describe']} (trial {p['id']}), board {tune['board']}")
    cfg = BuildConfig(task=tune["task"], board=tune["board"], out=out,
                      data=Path(tune["data"]) if tune.get("data") else None, quick=quick, seed=tune["seed"],
                      port=port, emulator=emulator, device_clips=device_clips or (40 if quick else 200),
                      tuned=p["point"])
    report = run_build(cfg, say=say)
    same = compare(Path(tune_dir), p, out)
    if (report.get("dataset") or {}).get("frontend"):  # KWS: the point's MFCC frontend, also on the device
        from ..data.frontend import FrontendConfig

        fe = FrontendConfig.from_dict(report["dataset"]["frontend"])
        raw = report.get("raw_audio") or {}
        cost = f" ({raw['frontend_instructions']:,d} instructions per clip)" if raw.get("frontend_instructions") else ""
        what = (f"{raw['clips']} test clips as raw PCM through the device's frontend{cost}: top-1 equal to the "
                f"host pipeline on {100 * raw['top1_agreement']:.1f}%" if "top1_agreement" in raw else
                f"no raw-audio run: {raw.get('skipped', '-')}")
        say(f"[from-tune] frontend: {fe.num_out} MFCC x {fe.num_frames()} frames ({fe.frame_step}-sample step); "
            + what)
    say(f"[from-tune] the search's point vs this build: int8 model {'identical' if same['same_model'] else 'DIFFERENT'}"
        f"; quality {p['quality']:.4f} vs {same['quality']}; arena {p['arena_bytes']:,d} vs "
        f"{same['arena_bytes']:,d} B; weights {p['weights_bytes']:,d} vs {same['weights_bytes']:,d} B")
    (out / "from_tune.json").write_text(json.dumps({"tune_dir": str(Path(tune_dir).resolve()), "pick": n,
                                                    "point": p, "build": same}, indent=1, default=float))
    return report


def compare(tune_dir: Path, p: dict, out: Path) -> dict:
    """The build's model and figures beside the point's: same .tflite bytes, quality, arena, weights."""
    if not (out / "train" / "train.json").exists() and (out / "train" / "metrics.json").exists():
        return compare_lm(tune_dir, p, out)
    train = json.loads((out / "train" / "train.json").read_text())
    fw = json.loads((out / "firmware" / "done.json").read_text())["result"]
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    mine = (out / "train" / "model.tflite").read_bytes()
    theirs = (Path(tune_dir) / p["tflite"]).read_bytes()
    quality = (train.get("quality_val") or {}).get("student_int8") if "quality_val" in train else None
    return {"same_model": sha(mine) == sha(theirs), "model_sha256": sha(mine),
            "quality": quality if quality is not None else "n/a (test AUC only; the model's bytes decide)",
            "arena_bytes": int(fw["size"]["arena_bytes"]), "weights_bytes": int(fw["size"]["weights_bytes"])}


def compare_lm(tune_dir: Path, p: dict, out: Path) -> dict:
    """An LM build beside its point: the step model's bytes, its validation bits per character (the trial's
    measure: the first int8_docs validation documents through TFLM), arena and weights of the compiler's plan."""
    from ..data.lm_corpus import load_lm_corpus
    from ..train.lm import Encoded
    from ..train.lm_models import LmConfig
    from .lm import encode, int8_val_bpc, train_config

    tune = json.loads((Path(tune_dir) / "tune.json").read_text())
    quick = tune["profile"] == "quick"
    fw = json.loads((out / "firmware" / "done.json").read_text())["result"]
    data = json.loads((out / "data" / "done.json").read_text())["result"]
    info = json.loads((out / "train" / "metrics.json").read_text())["info"]
    scfg = LmConfig(**{k: v for k, v in info["student"].items() if k != "kind"})
    mine = (out / "train" / "model.tflite").read_bytes()
    theirs = (Path(tune_dir) / p["tflite"]).read_bytes()
    _, _, _, arrays = encode(load_lm_corpus(Path(data["path"])), quick)
    quality, _ = int8_val_bpc(mine, scfg, Encoded(arrays["val_seqs"], arrays["val_lengths"]),
                              train_config(quick).int8_docs)
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    return {"same_model": sha(mine) == sha(theirs), "model_sha256": sha(mine), "quality": float(quality),
            "arena_bytes": int(fw["arena_bytes"]), "weights_bytes": int(fw["weights_bytes"])}
