"""Which depthwise routines a model links (issue 15, the M4 speed build's .text): MLPerf KWS's four depthwise
layers all clamp to the full int8 range, so passes.dsp_depthwise_one_clamp gives them the sat-only entry and the
link keeps no copy of the other clamp's routines (`*_rsat`, the run-time dispatch, the patch entry); the same C with
its calls put back on the main entry links them, which is what the pass saves (~35 KB)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinyslm.compiler import compile_model
from tinyslm.runners.codesize import kept_sections
from tinyslm.toolchain import have

pytestmark = pytest.mark.skipif(not have("arm-none-eabi-gcc"),
                                reason="needs gcc-arm-none-eabi (installed by .ci/setup)")

DW = "tslm_dsp_depthwise_conv.o"


def _depthwise_text(out: Path) -> set[str]:
    kept = kept_sections(out, "kws")
    assert kept is not None and DW in kept, kept
    return {s for s in kept[DW] if s.startswith(".text.")}


def test_an_all_sat_model_links_only_the_sat_depthwise_routines(shared_models, tmp_path):
    model = next((m for m in shared_models if m.stem == "mlperf_tiny_kws_ref_model"), None)
    assert model is not None, [m.name for m in shared_models]
    out = tmp_path / "kws"
    compile_model(model, out, name="kws", target="cortex-m-dsp")
    c = (out / "kws.c").read_text()
    assert c.count("tslm_dsp_depthwise_conv_sat_s8(") == 4  # the pass fired on all four layers

    sat = _depthwise_text(out)
    assert {".text.tslm_dsp_depthwise_conv_sat_s8", ".text.col_run_3x3_sat"} <= sat, sorted(sat)
    other = {s for s in sat if "rsat" in s or s in (".text.tslm_dsp_depthwise_conv_s8", ".text.col_dispatch",
                                                    ".text.tslm_dsp_depthwise_conv_patch_s8")}
    assert not other, sorted(other)

    # control: the main entry, as before the pass, keeps the other clamp's copies (the check above can fail)
    (out / "kws.c").write_text(c.replace("tslm_dsp_depthwise_conv_sat_s8(", "tslm_dsp_depthwise_conv_s8("))
    main = _depthwise_text(out)
    assert {".text.col_run_3x3_rsat", ".text.tslm_dsp_depthwise_conv_s8"} <= main, sorted(main)
