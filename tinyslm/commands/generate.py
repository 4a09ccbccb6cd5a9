"""`tinyslm generate FW "prompt"`: text from a language-model firmware, shown as it arrives."""

from __future__ import annotations

from pathlib import Path

import click


def _project(path: Path) -> Path:
    """A firmware project folder (firmware.json), or a `tinyslm build lm` folder holding one."""
    from ..errors import TinyslmError

    for cand in (path, path / "firmware" / "project"):
        if (cand / "firmware.json").exists():
            return cand
    raise TinyslmError(f"no language-model firmware in {path}",
                       hint="pass the folder of `tinyslm build lm` (or its firmware/project)")


@click.command("generate")
@click.argument("firmware", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("prompt")
@click.option("-n", "--tokens", default=64, show_default=True, type=click.IntRange(1, 127),
              help="Most tokens to generate (generation also stops at the end of a document).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 999_999_999))
@click.option("--temperature", default=0.0, show_default=True, type=click.FloatRange(0.0, 100.0),
              help="0: greedy; else sampling at this temperature (in thousandths on the device).")
@click.option("--top-k", default=0, show_default=True, type=click.IntRange(0, 255), help="0: all tokens.")
@click.option("--port", default=None, help="Serial port of a flashed board; default: the board's emulator.")
@click.option("--emulator", type=click.Choice(["qemu", "renode"]), default="qemu", show_default=True)
def generate_cmd(firmware: Path, prompt: str, tokens: int, seed: int, temperature: float, top_k: int,
                 port: str | None, emulator: str) -> None:
    """Send PROMPT (\\n for a new line) to the firmware's tinyslm-gen command and print the continuation."""
    import sys

    from ..boards import get_board
    from ..device.emulator import emulator_for
    from ..device.protocol import DutClient
    from ..firmware import load_metadata
    from ..train.lm_device import stream_generate

    project = _project(firmware)
    meta = load_metadata(project)
    board = get_board(meta["board"])
    text = prompt.replace("\\n", "\n")
    temp = int(round(temperature * 1000))

    def show(s: str) -> None:
        sys.stdout.write(s)
        sys.stdout.flush()

    def run(client) -> None:
        client.sync()
        started = []

        def show_generated(s: str) -> None:  # the prompt first, once the device has accepted it
            if not started:
                show(text)
                started.append(True)
            show(s)

        g = stream_generate(client, text, tokens, seed, temp, top_k, on_char=show_generated, timeout=120)
        show(("" if started else text) + "\n")
        ipt = board.ticks_to_instructions(g.ticks) / max(1, g.steps)
        click.echo(f"[{g.tokens} tokens, {g.steps} steps; {ipt:,.0f} instructions per step"
                   f"{' (QEMU -icount)' if port is None else ''}]", err=True)

    if port:
        with DutClient(port, baud=board.uart.baud, timeout=60) as client:
            run(client)
    else:
        elf = project / "build" / "firmware.elf"
        with emulator_for(board, elf, emulator) as emu, DutClient(emu.url, timeout=60) as client:
            run(client)
