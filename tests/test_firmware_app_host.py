"""The serial protocol (firmware/app/) on the host: built with gcc under ASan + UBSan, driven byte by byte.

The same C that runs on the boards, linked with a tiny fake model (two inputs, one in the db
buffer in place and one copied, one output), so the protocol logic is tested fast and under the
sanitizers; the QEMU tests (test_device.py) then check it on the real targets.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinyslm.resources import firmware_dir

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs a host gcc")

# A fake model: in0 int8[6] (used in place in the db buffer), in1 int16[3] (copied: offset 6 is not
# 8-byte aligned), out0 int8[4] = (in0[i] + in0[i+1] + in1[i % 3] % 7, saturated), out1 float32[2].
HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tslm_app.h"

static union { uint64_t a; uint8_t b[12]; } db;
static int16_t in1[3];
static int8_t out0[4];
static float out1[2];
static uint64_t now;

static int invoke(const void *const in[], void *const out[])
{
    const int8_t *a = (const int8_t *)in[0];
    const int16_t *b = (const int16_t *)in[1];
    int8_t *y = (int8_t *)out[0];
    float *f = (float *)out[1];
    for (int i = 0; i < 4; ++i) {
        int v = a[i] + a[i + 1] + b[i % 3] % 7;
        y[i] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
    }
    f[0] = 0.25f * (float)a[0];
    f[1] = -1.5f;
    now += 1000; /* each inference takes 1000 ticks */
    return a[5] == 99 ? 1 : 0; /* a way to make invoke fail */
}

static const tslm_app_tensor inputs[2] = {
    {"in0", "int8", "1x6", 0.5f, -3, 6u, db.b},
    {"in1", "int16", "3", 1.0f, 0, 6u, in1},
};
static const tslm_app_tensor outputs[2] = {
    {"out0", "int8", "1x4", 0.25f, 1, 4u, out0},
    {"out1", "float32", "2", 1.0f, 0, 8u, out1},
};
static const tslm_app_model model = {
    "fake", "00ff", "host", "build42", "tinyslm-build:board=host;build=build42;model=00ff", 128u, 1000000u,
    2, 2, inputs, outputs, db.b, 12u, invoke,
    0u, 0, /* no frontend: tinyslm-pcm must refuse */
    "fake-model", TSLM_MLPERF_NONE, 0u, 1u, 1u, /* profile name, no benchmark, m-lap-us = ticks */
};

void tslm_app_putc(char c) { putchar(c); }
int tslm_app_getc(void) { return getchar(); }
uint64_t tslm_app_ticks(void) { return now++; }
void tslm_app_ticks_sync(void) { now += 7; }

int main(void)
{
    int c;
    fputs("m-init-done\r\nm-ready\r\n", stdout);
    while ((c = getchar()) != EOF) {
        (void)tslm_app_feed(&model, (char)c);
    }
    (void)tslm_app_idle(&model); /* nothing to end yet (no time passed) */
    now += 2000000u;             /* the line stays silent for 2 s */
    (void)tslm_app_idle(&model);
    return 0;
}
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("app")
    (d / "harness.c").write_text(HARNESS)
    exe = d / "app"
    src = firmware_dir() / "app"
    cmd = ["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wshadow", "-Wconversion", "-g", "-O1",
           "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-I", str(src), str(src / "tslm_app.c"),
           str(d / "harness.c"), "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr  # warnings are errors: the app is clean C99 on the host too
    return exe


def talk(app: Path, data: bytes) -> list[list[str]]:
    """Replies, one list of lines per command (split at m-ready); the boot banner is dropped."""
    r = subprocess.run([str(app)], input=data, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-3000:]  # ASan/UBSan abort non-zero
    text = r.stdout.decode("ascii")  # the device only ever sends ASCII, whatever it receives
    assert "\x00" not in text
    replies, cur = [], []
    for line in text.split("\r\n")[2:]:
        if line == "m-ready":
            replies.append(cur)
            cur = []
        elif line:
            cur.append(line)
    assert cur == [], f"output after the last m-ready: {cur}"
    return replies


def cmd(app: Path, *commands: str) -> list[list[str]]:
    return talk(app, "".join(c + "%" for c in commands).encode())


def test_eembc_commands(app):
    name, profile, help_, ts = cmd(app, "name", "profile", "help", "timestamp")
    assert name == ["m-name-dut-[tinyslm]"]
    assert profile == ["m-profile-[tinyslm-1.0]", "m-model-[fake-model]"]  # its own name, not the C one
    assert any("db load N" in line for line in help_) and any("infer N" in line for line in help_)
    assert re.fullmatch(r"m-lap-us-\d+", ts[0])


def test_load_infer_results_raw_and_ticks(app):
    in0 = np.array([1, 2, 3, -4, 5, 6], np.int8)
    in1 = np.array([10, -20, 300], np.int16)
    data = in0.tobytes() + in1.tobytes()
    r = cmd(app, "db load 12", "db " + data[:5].hex(), "db " + data[5:].hex().upper(), "db print 12",
            "db print 4 8", "infer 3 2", "results", "tinyslm-raw", "tinyslm-ticks", "tinyslm-info")
    load, chunk1, chunk2, pr, pr2, infer, results, raw, ticks, info = r
    assert load == ["m-[Expecting 12 bytes]"] and chunk1 == [] and chunk2 == ["m-load-done"]
    assert pr == ["m-buffer-01-02-03-fc-05-06-0a-00", "m-buffer-ec-ff-2c-01"]
    assert pr2 == ["m-buffer-ec-ff-2c-01"]
    expect = [int(np.clip(int(in0[i]) + int(in0[i + 1]) + int(np.fmod(in1[i % 3], 7)), -128, 127)) for i in range(4)]
    assert infer[:3] == ["m-warmup-start-2", "m-warmup-done", "m-infer-start-3"]
    assert re.fullmatch(r"m-lap-us-\d+", infer[3]) and re.fullmatch(r"m-lap-us-\d+", infer[4])
    assert infer[5] == "m-infer-done"
    deq = [f"{0.25 * (v - 1):.3f}" for v in expect] + ["0.250", "-1.500"]
    assert infer[6] == results[0] == "m-results-[" + ",".join(deq) + "]"
    assert raw == ["m-raw-0-[" + np.array(expect, np.int8).tobytes().hex() + "]",
                   "m-raw-1-[" + np.array([0.25, -1.5], "<f4").tobytes().hex() + "]"]
    total, n, hz = map(int, re.fullmatch(r"m-ticks-\[(\d+)\]-\[(\d+)\]-\[(\d+)\]", ticks[0]).groups())
    assert n == 3 and hz == 1_000_000 and total == 3 * 1000 + 1  # 3 inferences (+1: the clock read itself)
    assert "m-build-[tinyslm-build:board=host;build=build42;model=00ff]" in info
    assert "m-input-1-[int16,3,scale_bits=0x3f800000,zero_point=0,bytes=6]" in info
    assert "m-input-0-[int8,1x6,scale_bits=0x3f000000,zero_point=-3,bytes=6]" in info


@pytest.mark.parametrize("line,error", [
    ("bogus", "e-[Unknown command: bogus]"),
    ("", "e-[empty command]"),
    ("db", "e-[Command 'db' requires a subcommand]"),
    ("db load", "e-[Command 'db load' requires the number of bytes, > 0]"),
    ("db load 0", "e-[Command 'db load' requires the number of bytes, > 0]"),
    ("db load -5", "e-[Command 'db load' requires the number of bytes, > 0]"),
    ("db load 13", "e-[db load 13 exceeds the input buffer of 12 bytes]"),
    ("db load 99999999999999", "e-[Command 'db load' requires the number of bytes, > 0]"),
    ("db 00", "e-[db: run 'db load N' first]"),
    ("infer", "e-[input not loaded: 0 of 12 bytes]"),
    ("infer 0", "e-[Inference iterations must be >0]"),
    ("infer -1", "e-[Inference iterations must be >0]"),
    ("infer 1 x", "e-[Inference warmup must be >=0]"),
    ("infer 1 2 3", "e-[usage: infer N [W]]"),
    ("results", "e-[no results yet: run 'infer' first]"),
    ("tinyslm-raw", "e-[no results yet: run 'infer' first]"),
    ("db print x", "e-[usage: db print [N] [offset]]"),
    ("tinyslm-bin", "e-[Command 'tinyslm-bin' requires the number of bytes, > 0]"),
    ("tinyslm-bin 0", "e-[Command 'tinyslm-bin' requires the number of bytes, > 0]"),
    ("tinyslm-bin 12 3", "e-[Command 'tinyslm-bin' requires the number of bytes, > 0]"),
    ("tinyslm-bin 13", "e-[tinyslm-bin 13 exceeds the input buffer of 12 bytes]"),
    ("a b c d e f g h i", "e-[too many arguments]"),
    ("x" * 300, "e-[command too long: at most 256 characters before '%']"),
])
def test_errors_then_device_keeps_serving(app, line, error):
    r = cmd(app, line, "name")
    assert r[0] == [error]
    assert r[1] == ["m-name-dut-[tinyslm]"]


def test_bad_hex_is_refused_without_storing(app):
    r = cmd(app, "db load 2", "db 0g", "db 123", "db 0102", "db print 2")
    assert r[1] == ["e-[Invalid hex digit]"] and r[2] == ["e-[Insufficent number of hex digits]"]
    assert r[3] == ["m-load-done"] and r[4] == ["m-buffer-01-02"]


def test_failed_invoke_is_an_error(app):
    data = bytes([0, 0, 0, 0, 0, 99]) + bytes(6)
    r = cmd(app, "db load 12", "db " + data.hex(), "infer 1 0", "results")
    assert r[2][-1] == "e-[model invoke failed]" and r[3] == ["e-[no results yet: run 'infer' first]"]


def test_unknown_command_echo_is_sanitized(app):
    r = talk(app, b"\x01\xff]ab\x7f%name%")
    assert r[0] == ["e-[Unknown command: ???ab?]"] and r[1] == ["m-name-dut-[tinyslm]"]


def test_newlines_are_ignored_and_nul_is_not_a_terminator(app):
    r = talk(app, b"na\r\nme%na\x00me%")
    assert r[0] == ["m-name-dut-[tinyslm]"] and r[1] == ["e-[Unknown command: na?me]"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(min_size=0, max_size=400), min_size=1, max_size=20))
def test_fuzz_any_bytes_one_reply_per_terminator(app, chunks):
    """Random bytes: never a crash or sanitizer report, exactly one reply per '%', then still serving."""
    data = b"".join(chunks) + b"%name%"
    replies = talk(app, data)
    assert len(replies) == data.count(b"%")
    assert replies[-1] == ["m-name-dut-[tinyslm]"]
    for r in replies[:-1]:
        assert len([line for line in r if line.startswith("e-[")]) <= 1


def test_pcm_without_a_frontend_is_refused(app):
    (r,) = cmd(app, "tinyslm-pcm")
    assert r == ["e-[this firmware has no frontend: build it with one to send raw audio]"]


def test_binary_load_takes_any_byte_as_data(app):
    """tinyslm-bin N: the next N bytes are stored as they are ('%', CR, LF, NUL included), then commands again."""
    data = bytes([ord("%"), 13, 10, 0, 0xFF, 1]) + np.array([7, -1, 5], "<i2").tobytes()
    r = talk(app, b"tinyslm-bin 12%" + data + b"db print 12%infer 1 0%name%")
    start, done, pr, infer, name = r
    assert start == ["m-[Expecting 12 raw bytes]"] and done == ["m-load-done"]
    assert pr == ["m-buffer-25-0d-0a-00-ff-01-07-00", "m-buffer-ff-ff-05-00"]
    assert infer[-2] == "m-infer-done" and name == ["m-name-dut-[tinyslm]"]
    hex_r = cmd(app, "db load 12", "db " + data.hex(), "infer 1 0")
    assert hex_r[2][-1] == infer[-1]  # the same input as through db HEX: the same results


def test_binary_load_that_stalls_ends_with_an_error(app):
    r = talk(app, b"tinyslm-bin 12%" + bytes(5))
    assert r == [["m-[Expecting 12 raw bytes]"], ["e-[tinyslm-bin: no data for 100 ms, got 5 of 12 bytes]"]]


# A float32[16] -> float32[16] copy: `results` prints each value with the app's own printf("%0.3f").
ECHO_HARNESS = r"""
#include <stdio.h>
#include <string.h>
#include "tslm_app.h"

static union { uint64_t a; uint8_t b[64]; } db;
static float out0[16];

static int invoke(const void *const in[], void *const out[])
{
    memcpy(out[0], in[0], 64);
    return 0;
}

static const tslm_app_tensor inputs[1] = {{"x", "float32", "16", 1.0f, 0, 64u, db.b}};
static const tslm_app_tensor outputs[1] = {{"y", "float32", "16", 1.0f, 0, 64u, out0}};
static const tslm_app_model model = {
    "echo", "00", "host", "b", "tag", 0u, 1000u, 1, 1, inputs, outputs, db.b, 64u, invoke, 0u, 0,
    "echo", TSLM_MLPERF_NONE, 0u, 1u, 1u,
};

void tslm_app_putc(char c) { putchar(c); }
int tslm_app_getc(void) { return getchar(); }
uint64_t tslm_app_ticks(void) { return 0u; }
void tslm_app_ticks_sync(void) {}

int main(void)
{
    int c;
    fputs("m-init-done\r\nm-ready\r\n", stdout);
    while ((c = getchar()) != EOF) {
        (void)tslm_app_feed(&model, (char)c);
    }
    return 0;
}
"""


def test_results_print_floats_as_printf_does(tmp_path):
    """Every printed value is the float's exact binary value rounded to 3 decimals, ties to even, as printf("%0.3f")
    (Python's format of the same double) -- including halves, thousandth ties, negatives, subnormals and 1e38."""
    (tmp_path / "h.c").write_text(ECHO_HARNESS)
    src = firmware_dir() / "app"
    exe = tmp_path / "echo"
    r = subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-Wconversion", "-O1",
                        "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-I", str(src),
                        str(src / "tslm_app.c"), str(tmp_path / "h.c"), "-o", str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rng = np.random.default_rng(7)
    special = np.array([0.0625, 0.1875, 0.0005, 0.0015, 2.5e-4, -0.0625, -0.0, 0.9995, 1e-45, 3.4e38, 8388608.5,
                        16777216.0, 123456.789, -7.0005, 0.125, 1.0], np.float32)
    values = np.concatenate([special, rng.standard_normal(48).astype(np.float32) * 10.0 ** rng.integers(-4, 5, 48),
                             (rng.integers(-4000, 4000, 64) / 8000.0).astype(np.float32)])  # many exact ties
    commands = []
    for k in range(0, len(values), 16):
        commands += ["db load 64", "db " + values[k:k + 16].astype("<f4").tobytes().hex(), "infer 1 0"]
    replies = talk(exe, "".join(c + "%" for c in commands).encode())
    printed = []
    for rep in replies[2::3]:
        assert rep[-1].startswith("m-results-[")
        printed += rep[-1][len("m-results-["):-1].split(",")
    expected = [f"{float(v):.3f}" for v in values]
    assert printed == expected
    assert "0.062" in printed and "-0.000" in printed  # a tie to even; the sign of -0
