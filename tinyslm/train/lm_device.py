"""The language model on a board: firmware with the generation command, and talking to it.

``build_lm_firmware`` writes ``tslm_lm_config.h`` at the project's root (the generated Makefile has
``-I.``; ``firmware/app/tslm_generate.c`` compiles only when it finds it) and builds the ordinary
tinyslm firmware around the step model. ``device_generate`` sends ``tinyslm-gen`` and reads the
streamed text; ``stream_generate`` does the same, handing each character to a callback as it comes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..data.tokenizer import CharTokenizer
from ..errors import DeviceError, TinyslmError
from .lm_c import config_header
from .lm_models import LmConfig
from .lm_quant import io_map


def build_lm_firmware(model: bytes | Path, cfg: LmConfig, tok: CharTokenizer, board: str, out: Path,
                      name: str = "lm"):
    from ..firmware import build

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = model.read_bytes() if isinstance(model, Path) else model
    path = model if isinstance(model, Path) else out / f"{name}.tflite"
    if not isinstance(model, Path):
        path.write_bytes(data)
    (out / "tslm_lm_config.h").write_text(config_header(cfg, io_map(data), tok, name))
    return build(path, board, out, name=name, label=f"tinyslm-{name}")


def escape_prompt(text: str) -> str:
    if "%" in text:
        raise TinyslmError("the prompt contains '%', which ends a command of the device protocol",
                           hint="leave it out")
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "n":
                out.append("\n")
            elif n == "x" and i + 3 < len(text):
                out.append(chr(int(text[i + 2 : i + 4], 16)))
                i += 2
            else:
                out.append(n)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


@dataclass
class DeviceGeneration:
    text: str
    tokens: int
    steps: int
    ticks: int
    tick_hz: int

    def instructions_per_token(self, ns_per_instruction: float = 1.0) -> float:
        """QEMU -icount shift=0: one instruction per ns of virtual time."""
        return self.ticks * 1e9 / self.tick_hz / ns_per_instruction / max(1, self.steps)


_DONE = re.compile(r"m-gen-done-\[(\d+)\]-\[(\d+)\]-\[(\d+)\]-\[(\d+)\]")


def stream_generate(client, prompt: str, n: int, seed: int = 0, temp_milli: int = 0, top_k: int = 0,
                    on_char: Callable[[str], None] | None = None, timeout: float = 60.0) -> DeviceGeneration:
    """Send tinyslm-gen and read its reply byte by byte (each character handed to on_char as it comes)."""
    client.send_raw(f"tinyslm-gen {seed} {n} {temp_milli} {top_k} {escape_prompt(prompt)}%".encode())
    deadline = time.monotonic() + timeout

    def byte() -> int:
        while not client.buffer:
            if time.monotonic() > deadline:
                raise DeviceError(f"no complete tinyslm-gen reply within {timeout:.0f} s",
                                  hint="check that the firmware was built by `tinyslm build lm`")
            chunk = client.ser.read(1)
            if chunk:
                client.buffer += chunk + client.ser.read(client.ser.in_waiting)
        b, client.buffer = client.buffer[0], client.buffer[1:]
        return b

    line = b""
    while not line.endswith(b"m-gen-["):
        line += bytes([byte()])
        if line.endswith(b"\n"):
            text = line.decode(errors="replace").strip()
            if text.startswith("e-"):
                client.wait_ready(timeout)
                raise DeviceError(f"the device refused tinyslm-gen: {text}")
            if text == "m-ready":
                raise DeviceError("the device does not know tinyslm-gen", hint="is it a language-model firmware?")
            line = b""
    raw = bytearray()
    esc = False
    shown = ""
    while True:
        b = byte()
        if esc:
            esc = False
        elif b == ord("\\"):
            esc = True
        elif b == ord("]"):
            break
        raw.append(b)
        if on_char is not None and not esc and b"\\x" not in raw[-3:]:
            now = unescape(raw.decode(errors="replace"))
            if len(now) > len(shown):
                on_char(now[len(shown):])
                shown = now
    lines = client.wait_ready(timeout)
    text = unescape(raw.decode(errors="replace"))
    for ln in lines:
        if ln.startswith("e-"):
            raise DeviceError(f"tinyslm-gen failed on the device: {ln}")
        m = _DONE.search(ln)
        if m:
            made, steps, ticks, hz = map(int, m.groups())
            return DeviceGeneration(text, made, steps, ticks, hz)
    raise DeviceError(f"tinyslm-gen ended without its m-gen-done line: {lines}")


def device_generate(client, prompt: str, n: int, seed: int = 0, temp_milli: int = 0,
                    top_k: int = 0) -> DeviceGeneration:
    return stream_generate(client, prompt, n, seed, temp_milli, top_k)
