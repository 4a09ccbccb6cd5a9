"""NAME.json, the compiler's description of what it built: complete, consistent with the plan it
describes (no two live buffers share bytes), deterministic, and what `inspect` reads."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tinyslm.compiler import artifact, compile_model


def overlapping(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_memory_map_has_no_two_live_buffers_in_the_same_bytes(shared_models, tmp_path, target):
    for model in shared_models:
        cm = compile_model(model, tmp_path / model.stem / target, name="m", target=target)
        art = artifact.load(cm.out_dir)
        assert art.arena_bytes == cm.arena_bytes and art.target == target and art.model_sha256 == cm.model_sha256
        assert len(art.steps) == len(cm.plan.steps) and len(art.tensors) == len(cm.graph.tensors)
        # every live range: tensors in the arena (one per storage root) and every scratch area
        ranges = {}
        for t in art.tensors:
            if t.storage == "arena":
                assert t.first_step is not None and t.offset + t.nbytes <= art.arena_bytes, (model.name, t)
                root = cm.plan.root[t.index]  # tensors sharing storage share one offset
                end = max(ranges[root][1] if root in ranges else 0, t.offset + t.nbytes)
                ranges[root] = (t.offset, end, t.first_step, t.last_step)
        for s in art.steps:
            if s.scratch_bytes:
                assert s.scratch_offset is not None and s.scratch_offset + s.scratch_bytes <= art.arena_bytes
                ranges[f"scratch{s.position}"] = (s.scratch_offset, s.scratch_offset + s.scratch_bytes,
                                                  s.position, s.position)
        assert ranges, model.name
        items = sorted(ranges.items(), key=lambda kv: str(kv[0]))
        for i, (ka, (a0, a1, af, al)) in enumerate(items):
            for kb, (b0, b1, bf, bl) in items[i + 1:]:
                if af <= bl and bf <= al:  # alive at the same time
                    assert not overlapping(a0, a1, b0, b1), (model.name, ka, kb)


def test_the_description_is_deterministic_and_names_every_kernel(shared_models, tmp_path):
    model = shared_models[0]
    a = compile_model(model, tmp_path / "a", name="m", target="cortex-m-dsp")
    b = compile_model(model, tmp_path / "b", name="m", target="cortex-m-dsp")
    assert (a.out_dir / "m.json").read_bytes() == (b.out_dir / "m.json").read_bytes()
    art = artifact.load(a.out_dir / "m.json")
    for s in art.steps:
        if s.kernel and s.kernel != "memcpy":
            assert (a.out_dir / s.source).exists() and s.kernel in (a.out_dir / s.source).read_text(), s


def test_inspect_reads_a_compiled_folder_without_compiling(shared_models, tmp_path):
    from tinyslm.cli import cli

    model = shared_models[0]
    compile_model(model, tmp_path / "out", name="kws")
    runner = CliRunner()
    folder = json.loads(runner.invoke(cli, ["inspect", str(tmp_path / "out"), "--json", "--no-tflm"]).output)
    direct = json.loads(runner.invoke(cli, ["inspect", str(model), "--json", "--no-tflm"]).output)
    for key in ("sha256", "macs", "arena_bytes", "weights_bytes", "ops", "buffers", "code"):
        assert folder[key] == direct[key], key
    assert folder["ops"]


def test_a_file_that_is_not_a_description_is_refused(tmp_path):
    from tinyslm.errors import TinyslmError

    (tmp_path / "x.json").write_text('{"format": "something else"}')
    with pytest.raises(TinyslmError, match="not a tinyslm compiled-model description"):
        artifact.load(tmp_path / "x.json")
