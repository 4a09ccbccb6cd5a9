"""One exception type for every problem a user can fix.

The CLI prints it as three short lines (what, where, what to do) and exits
non-zero; nothing else in tinyslm should reach the user as a traceback.

>>> e = TinyslmError("unsupported op GELU", where="model.tflite, op 3", hint="use ReLU")
>>> print(e.render())
error: unsupported op GELU
  where: model.tflite, op 3
  fix:   use ReLU
"""

from __future__ import annotations


class TinyslmError(Exception):
    """A user-facing error: what went wrong, where, and what to do about it."""

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(what)
        self.what = what
        self.where = where
        self.hint = hint

    def render(self) -> str:
        lines = [f"error: {self.what}"]
        if self.where:
            lines.append(f"  where: {self.where}")
        if self.hint:
            lines.append(f"  fix:   {self.hint}")
        return "\n".join(lines)


class ModelError(TinyslmError):
    """The .tflite file cannot be read or is not something tinyslm compiles."""


class UnsupportedError(TinyslmError):
    """An op, type or shape the kernels cannot honour bit-exactly."""


class ToolchainError(TinyslmError):
    """A compiler, emulator or flash tool is missing or failed."""


class DeviceError(TinyslmError):
    """A serial port, emulator or board did not answer as expected."""


class DataError(TinyslmError):
    """A dataset folder or audio file is missing, empty or malformed."""
