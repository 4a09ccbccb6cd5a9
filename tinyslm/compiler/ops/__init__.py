"""The op registry: one module per operator family, each registering a handler per opcode.

A handler is ``handler(lw: Lowering, op: Operator) -> Step``. Adding an operator means one
module here (its checks and Prepare maths, and a ``SUPPORT`` dict saying which types it
compiles), its kernel file(s) under ``firmware/kernels/`` and its test cases; nothing else
refers to it by name.

>>> handlers = registry()
>>> handlers["CONV_2D"].__module__
'tinyslm.compiler.ops.conv'
>>> {"CONV_2D", "FULLY_CONNECTED", "SOFTMAX"} <= set(handlers)
True
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..ir import Operator
    from ..lowering import Lowering, Step

    Handler = Callable[[Lowering, Operator], Step]

# SUPPORT entry of an op that only moves bytes: any element type (each op module declares, per opcode it
# registers, "<int8/int16/float32 columns> | <other types>: note" in its SUPPORT dict; README's table)
ANY = "int8 int16 float32 | int32 bool"

_HANDLERS: dict[str, "Handler"] = {}
_loaded = False


def register(*opcodes: str) -> Callable[["Handler"], "Handler"]:
    """Declare that a function lowers these opcodes; one family module may claim an opcode only once."""

    def deco(fn: "Handler") -> "Handler":
        for opcode in opcodes:
            other = _HANDLERS.get(opcode)
            if other is not None and other is not fn:
                raise RuntimeError(f"{opcode} is registered twice: {other.__module__}.{other.__name__} "
                                   f"and {fn.__module__}.{fn.__name__}")
            _HANDLERS[opcode] = fn
        return fn

    return deco


def registry() -> dict[str, "Handler"]:
    """Every registered opcode and its handler (the op modules are imported on first use)."""
    global _loaded
    if not _loaded:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    return dict(_HANDLERS)
