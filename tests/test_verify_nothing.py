"""No comparison passes on nothing: an empty, short or wrong-typed reply fails every check that compares
model outputs (tinyslm.compare, `verify`'s host comparison, the device comparison of `verify --board` and of
the build pipeline), and each reports how many bytes it compared."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tinyslm.compare import compare_outputs
from tinyslm.runners.verify import VerifyReport, compare
from tinyslm.device.verify import DeviceReport, compare_runs, run_inputs

EXPECTED = [np.arange(-6, 6, dtype=np.int8).reshape(1, 12), np.array([[100, -200]], dtype=np.int16)]

REPLIES = {  # name -> the outputs of one run as a broken runner would give them
    "empty": [],
    "one_output_missing": [EXPECTED[0]],
    "truncated": [EXPECTED[0].reshape(-1)[:-1], EXPECTED[1]],
    "wrong_dtype": [EXPECTED[0].astype(np.uint8), EXPECTED[1]],
    "not_an_array": [EXPECTED[0].tobytes(), EXPECTED[1]],
    "one_value_differs": [EXPECTED[0], np.array([[100, -201]], dtype=np.int16)],
}


def test_identical_outputs_compare_every_byte():
    c = compare_outputs(EXPECTED, [e.copy() for e in EXPECTED])
    assert c.identical and c.problem is None
    assert c.bytes_compared == 12 + 4


@pytest.mark.parametrize("reply", list(REPLIES))
def test_compare_outputs_fails_on_a_broken_reply(reply):
    c = compare_outputs(EXPECTED, REPLIES[reply])
    assert not c.identical and c.problem
    assert c.bytes_compared < 16 or reply == "one_value_differs"


def test_compare_outputs_fails_on_no_reply_and_on_nothing_expected():
    assert not compare_outputs(EXPECTED, None).identical
    assert not compare_outputs([], []).identical


class _Oracle:
    def run(self, inputs):
        return [e.copy() for e in EXPECTED]


_CM = SimpleNamespace(outputs=[SimpleNamespace(name="a"), SimpleNamespace(name="b")])
_BATCHES = [[np.zeros(3, np.int8)] for _ in range(3)]


def test_verify_compare_counts_bytes_when_identical():
    report = VerifyReport("m", 3, compare(_CM, _BATCHES, [[e.copy() for e in EXPECTED]] * 3, _Oracle()))
    assert report.ok and report.bytes_compared == 3 * 16
    assert "36 bytes compared" in report.lines()[0]  # output a: 3 runs of 12 bytes


@pytest.mark.parametrize("ours", [[], [[]] * 3, [REPLIES["truncated"]] * 3, [REPLIES["wrong_dtype"]] * 3,
                                  [[e.copy() for e in EXPECTED]] * 2],
                         ids=["no_runs", "empty_runs", "truncated", "wrong_dtype", "one_run_missing"])
def test_verify_compare_fails_on_an_empty_or_truncated_reply(ours):
    """`tinyslm verify`'s comparison (the host C's outputs against TFLM's)."""
    report = VerifyReport("m", 3, compare(_CM, _BATCHES, ours, _Oracle()))
    assert not report.ok
    assert all(o.runs == 3 for o in report.outputs)  # every input counted, whatever came back
    assert report.bytes_compared < 3 * 16
    assert any("MISMATCH" in line for line in report.lines())


def test_verify_report_with_no_outputs_is_not_ok():
    assert not VerifyReport("m", 0, []).ok


class _FakeDevice:
    """A DutClient that answers every inference with the given raw outputs."""

    def __init__(self, raw: list[bytes]):
        self.raw = raw

    def load(self, data: bytes, binary: bool = False) -> None:
        pass

    def infer(self, n: int, warmup: int) -> None:
        pass

    def raw_outputs(self) -> list[bytes]:
        return list(self.raw)

    def ticks(self) -> tuple[int, int, int]:
        return 1000, 1, 1_000_000


SPECS = [dict(dtype="int8", shape=(1, 12)), dict(dtype="int16", shape=(1, 2))]
GOOD_RAW = [e.tobytes() for e in EXPECTED]


@pytest.mark.parametrize("raw", [[], [GOOD_RAW[0]], [GOOD_RAW[0][:-1], GOOD_RAW[1]], [GOOD_RAW[0], b""]],
                         ids=["empty", "one_output_missing", "truncated", "second_empty"])
def test_device_comparison_fails_on_an_empty_or_truncated_reply(raw):
    """`verify --board` and the build pipeline: the device's replies through run_inputs, then compared."""
    run = run_inputs(_FakeDevice(raw), [[np.zeros(3, np.int8)]] * 4, SPECS)
    identical, nbytes, problems = compare_runs(run.outputs, [EXPECTED] * 4)
    assert identical == 0 and problems
    report = DeviceReport("m", "b", 4, identical, identical, nbytes, problems)
    assert not report.ok and "0/4 identical" in report.lines()[0]


def test_device_comparison_passes_a_full_reply_and_counts_its_bytes():
    run = run_inputs(_FakeDevice(GOOD_RAW), [[np.zeros(3, np.int8)]] * 4, SPECS)
    identical, nbytes, problems = compare_runs(run.outputs, [EXPECTED] * 4)
    assert (identical, nbytes, problems) == (4, 4 * 16, [])
    assert DeviceReport("m", "b", 4, identical, identical, nbytes).ok


def test_device_comparison_fails_when_runs_are_missing():
    identical, nbytes, problems = compare_runs([list(EXPECTED)] * 2, [EXPECTED] * 3)
    assert identical == 2 and problems and problems[0] == "2 runs, expected 3"
    assert not DeviceReport("m", "b", 3, identical, identical, nbytes).ok
