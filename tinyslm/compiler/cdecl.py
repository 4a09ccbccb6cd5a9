"""Small helpers that write C declarations; Jinja lays out the rest.

>>> print(c_array("w", "int8_t", [1, -2, 3], per_line=2))
static const int8_t w[3] TSLM_ALIGNED = {
    1, -2,
    3,
};
>>> c_identifier("serving_default_dense_input:0")
'serving_default_dense_input_0'
>>> c_value([1, 2, 3]), c_value(-7), c_value(0.5)
('{1, 2, 3}', '-7', '0.5')
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import numpy as np


def c_identifier(text: str, max_len: int = 40) -> str:
    """A C identifier made from free text (tensor names and the like)."""
    s = re.sub(r"[^0-9A-Za-z_]", "_", text).strip("_")
    s = re.sub(r"_+", "_", s)
    if not s or s[0].isdigit():
        s = "t_" + s
    return s[:max_len].rstrip("_")


def _fmt(v: Any, ctype: str) -> str:
    if ctype == "float":
        return f"{float(np.float32(v))!r}f"
    if ctype == "int32_t" and int(v) == -(1 << 31):
        return "INT32_MIN"
    if ctype == "int64_t":
        return f"INT64_C({int(v)})"
    if ctype == "bool":
        return "1" if v else "0"
    return str(int(v))


def c_array(name: str, ctype: str, values: Iterable[Any], per_line: int = 16, comment: str = "") -> str:
    """A static const array with one row of `per_line` values per line."""
    vals = [_fmt(v, ctype) for v in np.asarray(list(values) if not isinstance(values, np.ndarray) else values).reshape(-1)]
    lines = [f"/* {comment} */"] if comment else []
    lines.append(f"static const {ctype} {name}[{max(len(vals), 1)}] TSLM_ALIGNED = {{")
    for i in range(0, len(vals), per_line):
        lines.append("    " + ", ".join(vals[i:i + per_line]) + ",")
    if not vals:
        lines.append("    0,")
    lines.append("};")
    return "\n".join(lines)


def c_value(v: Any) -> str:
    """A params-struct field value: int, float, list of ints, or a name."""
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(c_value(x) for x in v) + "}"
    if isinstance(v, dict):  # a struct inside the params struct
        return "{" + ", ".join(f".{k} = {c_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return "INT32_MIN" if int(v) == -(1 << 31) else str(int(v))
    if isinstance(v, float):
        return repr(v)
    return str(v)


def c_struct(name: str, ctype: str, fields: dict[str, Any]) -> str:
    """A static const struct with designated initializers, one field per line."""
    body = "\n".join(f"    .{k} = {c_value(v)}," for k, v in fields.items())
    return f"static const {ctype} {name} = {{\n{body}\n}};"
