"""Boards as data: one TOML file per board in boards/, validated here.

>>> from tinyslm.compiler.targets import get_target
>>> b = get_board("mps2-an386")
>>> b.cpu, get_target(b.kernel_target).label, hex(b.memory.ram_origin), b.instructions_per_tick
('cortex-m4', 'Cortex-M DSP', '0x20000000', 40)
>>> "microbit" in [b.name for b in list_boards()]
True
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compiler.targets import CPU_TARGETS
from .errors import TinyslmError
from .resources import boards_dir

CPUS = set(CPU_TARGETS)  # the CPUs boards may name (-mcpu=<cpu>), each with its default kernel target
FPUS = {"none", "fpv4-sp-d16", "fpv5-sp-d16", "fpv5-d16", "auto"}
FLOAT_ABIS = {"soft", "softfp", "hard"}
FAMILIES = {"cmsdk", "stm32f4", "stm32l4", "nrf5"}
UART_DRIVERS = {"cmsdk", "stm32_usart", "stm32_lpuart", "nrf_uart"}
RUNNERS = {"qemu", "pyocd", "uf2"}
TIMERS = {  # timer -> what board_ticks() counts
    "systick": "SysTick on the core clock, 24-bit, extended to 64 bits by its wrap interrupt",
    "dwt": "DWT CYCCNT: exact core cycles (real Cortex-M3/M4/M7/M33/M55 only; QEMU does not model it)",
    "nrf_timer0": "nRF TIMER0 at 16 MHz (the nRF51's Cortex-M0 has no SysTick)",
}


class BoardError(TinyslmError):
    """A board file is missing, malformed or names an unknown board."""


@dataclass(frozen=True)
class Memory:
    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_bytes: int


@dataclass(frozen=True)
class Uart:
    driver: str
    base: int
    baud: int = 115200
    pins: str = ""
    tx_pin: int = -1  # pin numbers, for UARTs with a pin mux (nRF)
    rx_pin: int = -1


@dataclass(frozen=True)
class Runner:
    kind: str
    pyocd_target: str = ""
    uf2_family: int = 0
    uf2_volume: str = ""


@dataclass(frozen=True)
class Emulator:
    qemu_machine: str = ""
    renode_platform: str = ""
    renode_uart: str = ""  # the UART's name in the Renode platform (sysbus.<name>)


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    cpu: str
    fpu: str
    float_abi: str
    family: str
    clock_hz: int
    systick_hz: int
    stack_bytes: int
    memory: Memory
    uart: Uart
    runner: Runner
    emulator: Emulator = field(default_factory=Emulator)
    timer: str = "systick"
    path: Path | None = None

    @property
    def kernel_target(self) -> str:
        return CPU_TARGETS[self.cpu]

    @property
    def emulated(self) -> bool:
        return bool(self.emulator.qemu_machine)

    @property
    def instructions_per_tick(self) -> int:
        """Under QEMU -icount shift=0 (one instruction per ns), rounded down: exact only when the tick
        rate divides 1 GHz (mps2-an386: 40). Use ticks_to_instructions() for a count."""
        return 1_000_000_000 // self.systick_hz

    def ticks_to_instructions(self, ticks: int) -> int:
        """Timer ticks -> guest instructions under QEMU -icount shift=0 (1 instruction per virtual ns),
        exact to the nearest instruction for any tick rate (netduinoplus2: 168 MHz, 5.95 per tick).

        >>> get_board("netduinoplus2").ticks_to_instructions(168)
        1000
        """
        return (ticks * 1_000_000_000 + self.systick_hz // 2) // self.systick_hz

    @property
    def cflags(self) -> list[str]:
        flags = [f"-mcpu={self.cpu}", "-mthumb", f"-mfloat-abi={self.float_abi}"]
        if self.fpu != "none":
            flags.append(f"-mfpu={self.fpu}")
        return flags


def _need(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise BoardError(f"board file has no '{key}'", where=where, hint="see boards/mps2-an386.toml for every field")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BoardError(f"'{key}' must be {getattr(kind, '__name__', kind)}, got {value!r}", where=where)
    return value


def _choice(value: str, allowed: set[str], key: str, where: str) -> str:
    if value not in allowed:
        raise BoardError(f"'{key}' = {value!r} is not one of {', '.join(sorted(allowed))}", where=where)
    return value


def load_board(path: Path) -> Board:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise BoardError(f"board file is not valid TOML: {e}", where=where) from None
    mem = _need(data, "memory", dict, where)
    uart = _need(data, "uart", dict, where)
    runner = _need(data, "runner", dict, where)
    emu = data.get("emulator", {})
    board = Board(
        name=_need(data, "name", str, where),
        description=_need(data, "description", str, where),
        cpu=_choice(_need(data, "cpu", str, where), set(CPUS), "cpu", where),
        fpu=_choice(_need(data, "fpu", str, where), FPUS, "fpu", where),
        float_abi=_choice(_need(data, "float_abi", str, where), FLOAT_ABIS, "float_abi", where),
        family=_choice(_need(data, "family", str, where), FAMILIES, "family", where),
        clock_hz=_need(data, "clock_hz", int, where),
        systick_hz=_need(data, "systick_hz", int, where),
        stack_bytes=_need(data, "stack_bytes", int, where),
        memory=Memory(*(_need(mem, k, int, f"{where} [memory]")
                        for k in ("flash_origin", "flash_bytes", "ram_origin", "ram_bytes"))),
        uart=Uart(_choice(_need(uart, "driver", str, f"{where} [uart]"), UART_DRIVERS, "uart.driver", where),
                  _need(uart, "base", int, f"{where} [uart]"), int(uart.get("baud", 115200)), str(uart.get("pins", "")),
                  int(uart.get("tx_pin", -1)), int(uart.get("rx_pin", -1))),
        runner=Runner(_choice(_need(runner, "kind", str, f"{where} [runner]"), RUNNERS, "runner.kind", where),
                      str(runner.get("pyocd_target", "")), int(runner.get("uf2_family", 0)),
                      str(runner.get("uf2_volume", ""))),
        emulator=Emulator(str(emu.get("qemu_machine", "")), str(emu.get("renode_platform", "")),
                          str(emu.get("renode_uart", ""))),
        timer=_choice(str(data.get("timer", "systick")), set(TIMERS), "timer", where),
        path=path,
    )
    if board.name != path.stem:
        raise BoardError(f"board name '{board.name}' differs from its file name '{path.stem}'", where=where)
    if board.emulator.renode_platform and not board.emulator.renode_uart:
        raise BoardError("[emulator] renode_platform needs renode_uart (the UART's name in that platform)",
                         where=where)
    if board.timer == "dwt" and board.cpu in ("cortex-m0", "cortex-m0plus"):
        raise BoardError(f"timer 'dwt' needs a core with a DWT cycle counter, not {board.cpu}", where=where)
    if board.runner.kind == "qemu" and not board.emulator.qemu_machine:
        raise BoardError("runner 'qemu' needs [emulator] qemu_machine", where=where)
    if board.runner.kind == "pyocd" and not board.runner.pyocd_target:
        raise BoardError("runner 'pyocd' needs [runner] pyocd_target", where=where)
    if board.runner.kind == "uf2" and not (board.runner.uf2_family and board.runner.uf2_volume):
        raise BoardError("runner 'uf2' needs [runner] uf2_family and uf2_volume", where=where)
    for k in ("clock_hz", "systick_hz", "stack_bytes"):
        if getattr(board, k) <= 0:
            raise BoardError(f"'{k}' must be positive", where=where)
    if board.memory.flash_bytes <= 0 or board.memory.ram_bytes <= 0:
        raise BoardError("memory sizes must be positive", where=where)
    return board


def list_boards() -> list[Board]:
    return [load_board(p) for p in sorted(boards_dir().glob("*.toml"))]


def get_board(name: str) -> Board:
    path = boards_dir() / f"{name}.toml"
    if not path.exists():
        known = ", ".join(p.stem for p in sorted(boards_dir().glob("*.toml")))
        raise BoardError(f"unknown board '{name}'", hint=f"use one of: {known} (or add boards/{name}.toml)")
    return load_board(path)
