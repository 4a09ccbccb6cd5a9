"""The tinyslm compiler: .tflite -> IR -> lowering (ops/, one module per op family, for a target)
-> memory plan -> C.

Usage::

    from tinyslm.compiler import compile_model
    cm = compile_model("model.tflite", "out/", name="kws")   # writes out/kws.h, out/kws.c, kernels
    cm.arena_bytes, cm.weights_bytes, [t.shape for t in cm.inputs]

The names below load on first use, so that importing a light module of the package (targets) stays
cheap for the command line.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"CompiledModel": "driver", "TensorSpec": "driver", "analyze": "driver", "compile_model": "driver",
         "lower_graph": "driver", "check_name": "driver", "check_target": "driver", "read_model": "reader"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
