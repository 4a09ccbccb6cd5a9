"""`tinyslm fuzz --graphs N --seed S [--target T] [--board B [--port P]]`: differential fuzzing of whole graphs."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _targets() -> list[str]:
    from ..compiler.targets import target_names

    return list(target_names())


@click.command("fuzz")
@click.option("--graphs", "n_graphs", default=100, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Number of random graphs.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1), help="Seed of the graphs.")
@click.option("--target", "targets", multiple=True, type=click.Choice(_targets()),
              help="Kernel set to check (may repeat; default: portable).")
@click.option("--board", "-b", default=None, help="Also run every graph on this board: its emulator, or the device "
                                                  "at --port (through the serial protocol).")
@click.option("--port", default=None, help="Serial port of a board running tinyslm firmware (needs --board).")
@click.option("--inputs", "n_inputs", default=4, show_default=True, type=click.IntRange(1, 1000),
              help="Random inputs per graph.")
@click.option("--max-layers", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option("--out", "out_dir", default=Path("fuzz-reproducers"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Where shrunk reproducers are written.")
@click.option("--no-shrink", is_flag=True, help="Write the failing graph as found, without shrinking it.")
@click.option("--shrink-checks", default=80, show_default=True, type=click.IntRange(1, 10_000),
              help="At most this many smaller graphs tried per failure.")
@click.option("--no-sanitize", is_flag=True, help="Build the host C without ASan/UBSan (faster).")
@click.option("--types", default="int8", show_default=True, type=click.Choice(["int8", "int16x8", "float32"]),
              help="What the converter makes of each graph: full int8, int16 activations with int8 weights, or "
                   "float32.")
def fuzz_cmd(n_graphs: int, seed: int, targets: tuple[str, ...], board: str | None, port: str | None,
             n_inputs: int, max_layers: int, out_dir: Path, no_shrink: bool, shrink_checks: int,
             no_sanitize: bool, types: str) -> None:
    """Random TensorFlow graphs -> .tflite (int8, int16x8 or float32) -> C, run under ASan/UBSan (and on
    --board), every output byte compared with TensorFlow Lite Micro; a mismatch is shrunk to a small .tflite
    and a command.

    Exits 1 on any mismatch or crash."""
    from ..errors import TinyslmError

    if port and not board:
        raise TinyslmError("--port needs --board (which board is on that port?)",
                           hint="e.g. tinyslm fuzz --board nucleo-f446re --port /dev/ttyACM0")
    from ..boards import get_board

    if board:
        b = get_board(board)  # an unknown board is one clear error before any work
        if port is None and not b.emulated:
            raise TinyslmError(f"board {board} has no emulator here",
                               hint=f"flash tinyslm firmware and pass its port: --board {board} --port /dev/ttyACM0")
    from ..compiler.targets import get_target

    for t in targets:
        tg = get_target(t)
        if tg.host:
            continue
        if not board:
            raise TinyslmError(f"the {tg.label} kernels run only on their CPU, not on this host",
                               hint=f"add a board whose CPU has them: --target {t} --board mps3-an547")
        if get_board(board).kernel_target != t:
            raise TinyslmError(f"board {board} runs the {get_board(board).kernel_target} kernels, not {t}",
                               hint=f"use a board whose CPU has them: --target {t} --board mps3-an547")
    from ..fuzz.run import fuzz

    s = fuzz(n_graphs, seed, list(targets) or ["portable"], board, port, out_dir, n_inputs, not no_sanitize,
             not no_shrink, max_layers, progress=sys.stderr.isatty(), say=lambda m: click.echo(m),
             shrink_checks=shrink_checks, types=types)
    click.echo(f"operators covered: {', '.join(f'{k} {v}' for k, v in sorted(s.ops.items()))}")
    if s.refusals:
        click.echo("refusals (the compiler's or TFLM's one clear error, counted by reason):")
        for reason, count in s.refusals.most_common(8):
            click.echo(f"  {count} x {reason}")
    click.echo(f"{s.bytes_compared:,} output bytes compared with TFLM in {s.seconds / 60:.1f} min")
    click.echo(s.line())
    if s.mismatches:
        sys.exit(1)
