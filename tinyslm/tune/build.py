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
    say(f"[from-tune] the search's point vs this build: int8 model {'identical' if same['same_model'] else 'DIFFERENT'}"
        f"; quality {p['quality']:.4f} vs {same['quality']}; arena {p['arena_bytes']:,d} vs "
        f"{same['arena_bytes']:,d} B; weights {p['weights_bytes']:,d} vs {same['weights_bytes']:,d} B")
    (out / "from_tune.json").write_text(json.dumps({"tune_dir": str(Path(tune_dir).resolve()), "pick": n,
                                                    "point": p, "build": same}, indent=1, default=float))
    return report


def compare(tune_dir: Path, p: dict, out: Path) -> dict:
    """The build's model and figures beside the point's: same .tflite bytes, quality, arena, weights."""
    train = json.loads((out / "train" / "train.json").read_text())
    fw = json.loads((out / "firmware" / "done.json").read_text())["result"]
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    mine = (out / "train" / "model.tflite").read_bytes()
    theirs = (Path(tune_dir) / p["tflite"]).read_bytes()
    quality = (train.get("quality_val") or {}).get("student_int8") if "quality_val" in train else None
    return {"same_model": sha(mine) == sha(theirs), "model_sha256": sha(mine),
            "quality": quality if quality is not None else "n/a (test AUC only; the model's bytes decide)",
            "arena_bytes": int(fw["size"]["arena_bytes"]), "weights_bytes": int(fw["size"]["weights_bytes"])}
