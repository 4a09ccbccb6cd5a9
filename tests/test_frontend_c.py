"""The C frontend (firmware/frontend/) against the numpy reference: same int8 features on the same
audio, built for the host with ASan/UBSan and cross-built for Cortex-M."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinyslm.data import AdFrontend, Frontend, FrontendConfig, KwsFrontend
from tinyslm.data.frontend_c import ENGINE_FILES, PRESETS, emit_frontend_tables, write_frontend_tables
from tinyslm.resources import firmware_dir

FRONTEND = firmware_dir() / "frontend"
WARN = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wdouble-promotion"]
MAX_SAMPLES = 200_000

HARNESS = r"""
/* Reads clips of N int16 samples from stdin, writes their int8 features to stdout. */
#include <stdio.h>
#include <stdlib.h>
#include "tslm_frontend_@NAME@.h"

#define MAX_SAMPLES @MAX@
static int16_t pcm[MAX_SAMPLES];
static float work[TSLM_FRONTEND_@UP@_WORK_FLOATS];
static int8_t out[(MAX_SAMPLES / TSLM_FRONTEND_@UP@_FRAME_STEP + 1) * TSLM_FRONTEND_@UP@_NUM_OUT];

int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    const size_t n = (size_t)atol(argv[1]);
    if (n == 0 || n > MAX_SAMPLES) {
        return 3;
    }
    while (fread(pcm, sizeof pcm[0], n, stdin) == n) {
        const size_t frames = tslm_frontend_clip(&tslm_frontend_@NAME@, pcm, n, work, out);
        fwrite(out, 1, frames * tslm_frontend_@NAME@.num_out, stdout);
    }
    return 0;
}
"""

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs a host gcc")


def build(tmp: Path, name: str, tables: Path) -> Path:
    """Host binary for tslm_frontend_<name> (tables in `tables`), with address and UB sanitizers."""
    main = tmp / f"main_{name}.c"
    main.write_text(HARNESS.replace("@NAME@", name).replace("@UP@", name.upper()).replace("@MAX@", str(MAX_SAMPLES)))
    exe = tmp / f"fe_{name}"
    srcs = [str(FRONTEND / f) for f in ENGINE_FILES if f.endswith(".c")] + [str(tables / f"tslm_frontend_{name}.c")]
    cmd = ["gcc", *WARN, "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
           f"-I{FRONTEND}", f"-I{tables}", str(main), *srcs, "-lm", "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return exe


def run_c(exe: Path, clips: np.ndarray) -> bytes:
    r = subprocess.run([str(exe), str(clips.shape[1])], input=clips.astype("<i2").tobytes(), capture_output=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr.decode()[-3000:]
    assert not r.stderr, r.stderr.decode()[-3000:]  # sanitizers print here
    return r.stdout


def agreement(fe: Frontend, exe: Path, clips: np.ndarray) -> tuple[float, int, int]:
    """(fraction of identical int8 values, largest difference, values compared)."""
    ref = np.stack([fe(c) for c in clips])
    got = np.frombuffer(run_c(exe, clips), np.int8).reshape(ref.shape)
    diff = np.abs(got.astype(np.int32) - ref.astype(np.int32))
    return float((diff == 0).mean()), int(diff.max()), diff.size


def hard_clips(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    t = np.arange(n) / 16000
    square = np.where(np.sin(2 * np.pi * 300 * t) >= 0, 32767, -32768)
    return [np.zeros(n),                                                  # digital silence
            square,                                                       # full-scale clipping
            np.clip(rng.standard_normal(n) * 40000, -32768, 32767),      # clipped noise
            rng.standard_normal(n) * 3,                                   # a few LSBs
            np.full(n, -5),                                               # all negative (no positive peak)
            np.sin(2 * np.pi * 1000 * t) * 100 + 2000,                    # tone on a DC offset
            np.where(t < t[n // 2], 0, rng.standard_normal(n) * 2000)]    # silence, then noise


@pytest.fixture(scope="module")
def kws_exe(tmp_path_factory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("needs a host gcc")
    return build(tmp_path_factory.mktemp("c"), "kws", FRONTEND)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """Synthetic speech clips of every class (or plain noise without espeak-ng)."""
    rng = np.random.default_rng(1)
    if shutil.which("espeak-ng") is None:
        return (rng.standard_normal((24, 16000)) * 3000).astype(np.int16)
    from tinyslm.data.kws_synth import ClipTask, synth_clip

    return np.stack([synth_clip(ClipTask(split, c, i, 2))[1] for split in ("train", "test") for c in range(12)
                     for i in range(2)])


def test_kws_c_matches_numpy(kws_exe, speech):
    rng = np.random.default_rng(2)
    clips = np.concatenate([speech, np.stack(hard_clips(16000, rng)).astype(np.int16)])
    same, worst, n = agreement(KwsFrontend(), kws_exe, clips)
    assert n == len(clips) * 49 * 10
    assert same >= 0.99 and worst <= 1, (same, worst)


def test_kws_c_pads_short_and_cuts_long_clips(kws_exe, speech):
    for length in (12000, 480, 20000):
        clips = np.stack([np.resize(c, length) for c in speech[:4]]).astype(np.int16)
        same, worst, _ = agreement(KwsFrontend(), kws_exe, clips)
        assert same >= 0.99 and worst <= 1, (length, same, worst)


@needs_gcc
def test_ad_c_matches_numpy(tmp_path):
    from tinyslm.data.ad_synth import AdTask, synth_ad_clip

    exe = build(tmp_path, "ad", FRONTEND)
    rng = np.random.default_rng(3)
    machines = [synth_ad_clip(AdTask(t, i, "test", k, 2, 0, 0, 2.0))[1]
                for t, i, k in (("fan", 0, "normal"), ("pump", 2, "bearing_outer"), ("motor", 4, "looseness"))]
    clips = np.stack(machines + hard_clips(32000, rng)).astype(np.int16)
    same, worst, n = agreement(AdFrontend(), exe, clips)
    assert n == len(clips) * 61 * 64
    assert same >= 0.99 and worst <= 1, (same, worst)


@needs_gcc
def test_generated_tables_for_another_config_agree(tmp_path):
    """The emitter is general: a magnitude / natural-log / 32-band config at 8 kHz, 256-point FFT."""
    cfg = dataclasses.replace(FrontendConfig.anomaly(), sample_rate=8000, frame_length=200, frame_step=80,
                              fft_size=256, spectrum="magnitude", num_mels=32, mel_low_hz=60.0, mel_high_hz=3800.0,
                              log="ln", log_offset=1e-5, scale=0.05, zero_point=60, window_frames=None,
                              window_hop=None)
    write_frontend_tables(cfg, "custom", tmp_path)
    exe = build(tmp_path, "custom", tmp_path)
    clips = np.stack(hard_clips(8000, np.random.default_rng(4))).astype(np.int16)
    same, worst, _ = agreement(Frontend(cfg), exe, clips)
    assert same >= 0.99 and worst <= 1, (same, worst)


def test_checked_in_tables_are_the_generated_ones():
    for name, cfg in PRESETS.items():
        for fname, text in emit_frontend_tables(cfg, name).items():
            assert (FRONTEND / fname).read_text() == text, f"{fname} is stale: run tinyslm.data.frontend_c." \
                                                           "regenerate_presets()"


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
@pytest.mark.parametrize("cpu", [["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
                                 ["-mcpu=cortex-m0", "-mthumb"]], ids=["cortex-m4f", "cortex-m0"])
def test_cross_compiles_for_cortex_m_without_warnings(tmp_path, cpu):
    srcs = [FRONTEND / f for f in ENGINE_FILES if f.endswith(".c")] + \
        [FRONTEND / f"tslm_frontend_{n}.c" for n in PRESETS]
    for src in srcs:
        r = subprocess.run(["arm-none-eabi-gcc", *WARN, "-O2", *cpu, f"-I{FRONTEND}", "-c", str(src), "-o",
                            str(tmp_path / (src.stem + ".o"))], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    size = subprocess.run(["arm-none-eabi-size", *[str(p) for p in tmp_path.glob("*.o")]], capture_output=True,
                          text=True)
    assert size.returncode == 0
    data_bss = sum(int(line.split()[1]) + int(line.split()[2]) for line in size.stdout.splitlines()[1:])
    assert data_bss == 0  # all tables are const (flash); no RAM besides the caller's buffers


def test_cli_writes_a_self_contained_frontend(tmp_path):
    from tinyslm.cli import main

    assert main(["data", "frontend", "--task", "kws", "-o", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([*ENGINE_FILES, "tslm_frontend_kws.c", "tslm_frontend_kws.h"])
    for name in names:
        assert (tmp_path / name).read_text() == (FRONTEND / name).read_text()


@needs_gcc
@pytest.mark.parametrize("mfcc,step", [(8, 480), (13, 400)])
def test_tune_frontend_points_agree(speech, tmp_path, mfcc, step):
    """`tinyslm tune kws` searches the MFCC count and frame step; a point's firmware carries C tables generated
    from its config (tinyslm.firmware.render(frontend_config=...)), as close to numpy as the preset's."""
    from tinyslm.tune.space import frontend_config

    cfg = frontend_config({"mfcc": mfcc, "frame_step": step})
    write_frontend_tables(cfg, "kwstune", tmp_path)
    exe = build(tmp_path, "kwstune", tmp_path)
    rng = np.random.default_rng(5)
    clips = np.concatenate([speech[:12], np.stack(hard_clips(16000, rng)).astype(np.int16)])
    same, worst, n = agreement(KwsFrontend(cfg), exe, clips)
    assert n == len(clips) * cfg.num_frames() * mfcc and cfg.num_frames() < 49
    assert same >= 0.99 and worst <= 1, (same, worst)
