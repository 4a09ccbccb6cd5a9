"""The build's step cache (tinyslm.pipeline.Steps): what makes a finished step run again."""

from __future__ import annotations

import tinyslm.resources as resources
from tinyslm.pipeline import Steps


def _step(out, calls, config=None):
    steps = Steps(out, lambda line: None)
    return steps.run("train", config or {"epochs": 40}, lambda d: calls.append(1) or {"acc": len(calls)})


def test_a_step_is_reused_until_its_config_or_tinyslm_code_changes(tmp_path, monkeypatch):
    calls: list[int] = []
    assert _step(tmp_path, calls) == {"acc": 1}
    assert _step(tmp_path, calls) == {"acc": 1} and len(calls) == 1  # same config, same code: reused
    assert _step(tmp_path, calls, {"epochs": 20}) == {"acc": 2}  # another setting: runs again
    assert _step(tmp_path, calls, {"epochs": 20}) == {"acc": 2} and len(calls) == 2
    monkeypatch.setattr(resources, "package_digest", lambda: "other code")  # e.g. a training default edited
    assert _step(tmp_path, calls, {"epochs": 20}) == {"acc": 3}


def test_code_digest_changes_with_any_python_file(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "api.py").write_text("EPOCHS = 40\n")
    (tmp_path / "notes.txt").write_text("not code")
    before = resources.code_digest(tmp_path)
    (tmp_path / "notes.txt").write_text("still not code")
    assert resources.code_digest(tmp_path) == before
    (tmp_path / "train" / "api.py").write_text("EPOCHS = 20\n")
    assert resources.code_digest(tmp_path) != before
    resources.package_digest.cache_clear()
    assert len(resources.package_digest()) == 16
