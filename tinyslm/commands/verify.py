"""`tinyslm verify MODEL.tflite [--inputs N]`: generated C vs the TFLM oracle."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..compiler.targets import target_names


def _load_real(paths: tuple[Path, ...]) -> list:
    import numpy as np

    from ..errors import DataError

    batches = []
    for p in paths:
        try:
            arr = np.load(p)
        except Exception as e:
            raise DataError(f"cannot read input file {p}: {e}", hint="pass .npy files") from None
        batches.extend([[a] for a in arr] if arr.ndim > 1 else [[arr]])
    return batches


@click.command("verify")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--inputs", "n_inputs", default=100, show_default=True, type=click.IntRange(1, 100000),
              help="Number of random inputs.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random inputs.")
@click.option("--real", "real", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=".npy file of real inputs (one per row, first input only); may repeat.")
@click.option("--sanitize/--no-sanitize", default=False, help="Build with AddressSanitizer and UBSan.")
@click.option("--target", default="portable", show_default=True, type=click.Choice(target_names()),
              help="Kernel set to check (the DSP kernels run on the host through their portable SIMD equivalents).")
@click.option("--board", "-b", default=None, help="Also run on this board: its emulator, or the device at --port.")
@click.option("--port", default=None, help="Serial port of a flashed board (e.g. /dev/ttyACM0, socket://host:port).")
@click.option("--emulator", type=click.Choice(["qemu", "renode"]), default="qemu", show_default=True)
@click.option("--reset-every", default=0, show_default=True, type=click.IntRange(0, 100000),
              help="A model with state (SVDF, LSTM, resource variables): reset it, here and in TFLM, before every "
                   "N-th input (0: never; the inputs always run in order, the state carried from one to the next).")
@click.option("--tensors", is_flag=True,
              help="Compare every intermediate tensor with TFLM's (on --inputs inputs, default 4 here) and name "
                   "the first operator whose output differs.")
def verify_cmd(model: Path, n_inputs: int, seed: int, real: tuple[Path, ...], sanitize: bool, target: str,
               board: str | None, port: str | None, emulator: str, reset_every: int, tensors: bool) -> None:
    """Run the generated C and TensorFlow Lite Micro on the same inputs; exit 1 on any difference.

    With --board, the firmware runs them too (in the emulator, or on the device at --port),
    driven through the serial protocol, and instructions or cycles per inference are reported."""
    from ..runners.verify import verify_host

    if port and not board:
        from ..errors import TinyslmError

        raise TinyslmError("--port needs --board (which board is on that port?)")
    real_inputs = _load_real(real) if real else None
    if real_inputs:
        from ..compiler import read_model

        g = read_model(model)
        t = g.tensors[g.inputs[0]]
        real_inputs = [[b[0].astype(t.dtype).reshape(t.shape)] for b in real_inputs]
    if tensors:
        _verify_tensors(model, n_inputs, seed, real_inputs, sanitize, target)
        return
    report = verify_host(model, n_inputs, seed, real_inputs, sanitize=sanitize, target=target,
                         reset_every=reset_every)
    click.echo(f"{model}: {report.runs} inputs ({n_inputs} random, seed {seed}"
               + (f", {len(real_inputs)} real" if real_inputs else "") + ")"
               + (", built with ASan+UBSan" if sanitize else "")
               + (f", state reset every {reset_every}" if reset_every else ""))
    for line in report.lines():
        click.echo("  " + line)
    if not report.ok:
        click.echo("verify: FAILED - the generated code differs from TFLM", err=True)
        sys.exit(1)
    if board:
        from ..device.verify import verify_on_device

        dev = verify_on_device(model, board, port, n_inputs=min(n_inputs, 200), seed=seed, emulator=emulator,
                               real_inputs=real_inputs)
        where = port or f"{emulator} emulator"
        click.echo(f"{dev.board} ({where}): {dev.runs} inputs through the serial protocol")
        for line in dev.size_lines + dev.lines():
            click.echo("  " + line)
        if not dev.ok:
            click.echo("verify: FAILED - the device differs from the host build or TFLM", err=True)
            sys.exit(1)
        if dev.libm_vs_host or dev.libm_vs_tflm:
            click.echo("verify: OK - bit-exact with TensorFlow Lite Micro on the host; on the device, within its C "
                       "library's rounding where float32 ops call it (above), elsewhere bit-exact")
            return
    click.echo("verify: OK - bit-exact with TensorFlow Lite Micro")


def _verify_tensors(model: Path, n_inputs: int, seed: int, real_inputs: list | None, sanitize: bool,
                    target: str) -> None:
    from ..runners.tensors import verify_tensors

    n = n_inputs if click.get_current_context().get_parameter_source("n_inputs").name != "DEFAULT" else 4
    r = verify_tensors(model, n, seed, real_inputs, target=target, sanitize=sanitize)
    click.echo(f"{model}: every tensor on {r.runs} inputs ({n} random, seed {seed}"
               + (f", {len(real_inputs)} real" if real_inputs else "") + f"), {target} kernels"
               + (", built with ASan+UBSan" if sanitize else ""))
    for line in r.lines():
        click.echo("  " + line)
    click.echo(f"{len(r.compared)} tensors compared, {r.bytes_compared:,} bytes")
    bad = r.first_divergence
    if bad is not None:
        click.echo(f"verify: FAILED - op {bad.op} ({bad.opcode}) is the first whose output differs from TFLM "
                   f"(tensor {bad.tensor} '{bad.name[:60]}'); every tensor before it is identical", err=True)
        sys.exit(1)
    if not r.compared:
        click.echo("verify: FAILED - no tensor could be compared", err=True)
        sys.exit(1)
    click.echo("verify: OK - every intermediate tensor identical to TFLM")
