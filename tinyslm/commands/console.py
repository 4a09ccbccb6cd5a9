"""`tinyslm console PORT`: talk to the firmware by hand."""

from __future__ import annotations

import click


@click.command("console")
@click.argument("port")
@click.option("--baud", default=115200, show_default=True)
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for each reply.")
def console_cmd(port: str, baud: int, timeout: float) -> None:
    """Interactive console (history with the arrow keys); type commands without the '%'."""
    try:
        import readline  # noqa: F401  (line editing and history)
    except ImportError:
        pass
    from ..device.protocol import DutClient
    from ..errors import DeviceError

    with DutClient(port, baud=baud, timeout=timeout) as client:
        client.sync()
        click.echo(f"connected to {port}; 'help' lists the commands, Ctrl-D quits")
        while True:
            try:
                line = input("tinyslm> ").strip()
            except (EOFError, KeyboardInterrupt):
                click.echo()
                return
            if not line:
                continue
            try:
                reply = client.command(line.rstrip("%"), check=False)
            except DeviceError as e:
                click.echo(e.render(), err=True)
                continue
            for out in reply.lines:
                click.echo(out)
