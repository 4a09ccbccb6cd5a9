"""The ``tinyslm`` command line.

Each subcommand lives in its own small module under ``tinyslm/commands/`` and
is imported only when it runs (or when ``--help`` lists it); those modules
import heavy libraries (TensorFlow, the TFLM oracle) inside the command body,
so ``tinyslm --help`` stays instant.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from .errors import TinyslmError

# name -> "module:attribute"; the order is the order of `tinyslm --help`.
COMMANDS: dict[str, str] = {
    "build": "tinyslm.commands.build:build_cmd",
    "tune": "tinyslm.commands.tune:tune_cmd",
    "compile": "tinyslm.commands.compile:compile_cmd",
    "inspect": "tinyslm.commands.inspect:inspect_cmd",
    "verify": "tinyslm.commands.verify:verify_cmd",
    "data": "tinyslm.commands.data:data_cmd",
    "boards": "tinyslm.commands.boards:boards_cmd",
    "firmware": "tinyslm.commands.firmware:firmware_cmd",
    "emulate": "tinyslm.commands.emulate:emulate_cmd",
    "flash": "tinyslm.commands.flash:flash_cmd",
    "console": "tinyslm.commands.console:console_cmd",
    "generate": "tinyslm.commands.generate:generate_cmd",
    "bench": "tinyslm.commands.bench:bench_cmd",
    "fuzz": "tinyslm.commands.fuzz:fuzz_cmd",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tinyslm")
def cli() -> None:
    """tinyslm: data -> tiny int8 transformer -> C -> verified microcontroller firmware."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors become one clear message and a non-zero exit."""
    try:
        cli.main(args=argv, prog_name="tinyslm", standalone_mode=False)
    except TinyslmError as e:
        click.echo(e.render(), err=True)
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as e:  # pragma: no cover - the last line of defence
        if os.environ.get("TINYSLM_DEBUG"):
            raise
        click.echo(f"internal error: {type(e).__name__}: {e}\n"
                   "  this is a bug in tinyslm; rerun with TINYSLM_DEBUG=1 for the traceback",
                   err=True)
        return 70
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
