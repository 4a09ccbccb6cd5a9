"""Boards as data: every file valid, bad files refused with the file and field named."""

from __future__ import annotations

import pytest

from tinyslm.boards import BoardError, get_board, list_boards, load_board

REQUIRED = {"mps2-an386", "mps2-an500", "mps3-an547", "netduinoplus2", "microbit", "nucleo-f446re", "nucleo-l4r5zi",
            "nrf52840-dk"}


def test_required_boards_present_and_valid():
    boards = {b.name: b for b in list_boards()}
    assert REQUIRED <= set(boards)
    assert boards["microbit"].memory.ram_bytes == 16 * 1024 and boards["microbit"].cpu == "cortex-m0"
    assert boards["netduinoplus2"].memory.flash_bytes == 1024 * 1024
    assert boards["netduinoplus2"].memory.ram_bytes == 128 * 1024
    assert boards["nucleo-f446re"].family == boards["netduinoplus2"].family == "stm32f4"  # shared driver
    for name in ("mps2-an386", "mps2-an500", "mps3-an547", "netduinoplus2", "microbit"):
        assert boards[name].emulated
    assert boards["mps3-an547"].cpu == "cortex-m55"
    assert boards["nucleo-l4r5zi"].timer == "dwt" and boards["microbit"].timer == "nrf_timer0"
    for b in boards.values():  # every real board can be flashed
        assert b.emulated or b.runner.kind in ("pyocd", "uf2")


def test_ticks_to_instructions_is_exact_for_any_clock():
    assert get_board("mps2-an386").ticks_to_instructions(306_496) == 12_259_840  # 40 per tick
    assert get_board("netduinoplus2").ticks_to_instructions(2_059_652) == 12_259_833  # 5.952 per tick
    assert get_board("microbit").ticks_to_instructions(2) == 125  # 62.5 per tick
    assert get_board("mps3-an547").ticks_to_instructions(4) == 125  # 31.25 per tick


def test_unknown_board_lists_known_ones():
    with pytest.raises(BoardError) as e:
        get_board("esp32")
    assert "mps2-an386" in e.value.hint


@pytest.mark.parametrize("edit,words", [
    (lambda s: s.replace('cpu = "cortex-m4"', 'cpu = "cortex-a53"'), ["cpu", "cortex-a53"]),
    (lambda s: s.replace("ram_bytes = 4_194_304\n", ""), ["ram_bytes"]),
    (lambda s: s.replace("clock_hz = 25_000_000", 'clock_hz = "fast"'), ["clock_hz", "int"]),
    (lambda s: s.replace('kind = "qemu"', 'kind = "jtag"'), ["runner.kind", "jtag"]),
    (lambda s: s + "\n[broken", ["not valid TOML"]),
    (lambda s: s.replace('name = "mps2-an386"', 'name = "mps2"'), ["differs from its file name"]),
    (lambda s: s.replace("stack_bytes = 8192", 'stack_bytes = 8192\ntimer = "rtc"'), ["timer", "rtc"]),
    (lambda s: s.replace('cpu = "cortex-m4"', 'cpu = "cortex-m0"').replace("stack_bytes = 8192",
                         'stack_bytes = 8192\ntimer = "dwt"'), ["dwt", "cortex-m0"]),
    (lambda s: s.replace('qemu_machine = "mps2-an386"', 'qemu_machine = "mps2-an386"\nrenode_platform = "x.repl"'),
     ["renode_uart"]),
    (lambda s: s.replace('[uart]\ndriver = "cmsdk"', '[uart]\ndriver = "pl011"'), ["uart.driver", "pl011"]),
    (lambda s: s.replace("base = 0x40004000", 'base = "0x40004000"'), ["base", "int"]),
])
def test_malformed_board_file_names_file_and_field(tmp_path, edit, words):
    src = get_board("mps2-an386").path.read_text()
    path = tmp_path / "mps2-an386.toml"
    path.write_text(edit(src))
    with pytest.raises(BoardError) as e:
        load_board(path)
    text = e.value.render()
    assert str(path) in text
    for w in words:
        assert w in text
