"""One source of truth for each kernel's params: the Python params the lowering produces and the C
struct the kernel reads must have the same fields in the same order (a field the Python side forgot
would otherwise be zero through C's designated initializers)."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from tinyslm.compiler import analyze
from tinyslm.compiler.lowering import Call, KernelParams
from tinyslm.resources import firmware_dir

STRUCT = re.compile(r"typedef struct\s*\{(?P<body>.*?)\}\s*(?P<name>\w+)\s*;", re.S)


def declared_names(body: str) -> list[str]:
    """Field names of a struct body, in order ('int32_t act_min, act_max;' declares two).

    >>> declared_names("int32_t a; const int32_t *m, *s; int32_t dims[TSLM_MAX_DIMS];")
    ['a', 'm', 's', 'dims']
    """
    names = []
    for decl in body.split(";"):
        decl = re.sub(r"\[[^\]]*\]", "", decl).strip()
        if decl:
            names += [re.findall(r"\w+", part)[-1] for part in decl.split(",")]
    return names


def c_structs() -> dict[str, list[str]]:
    """Every typedef'd struct of the portable kernel headers: name -> field names in order."""
    out: dict[str, list[str]] = {}
    for h in sorted((firmware_dir() / "kernels").glob("*.h")):
        text = re.sub(r"/\*.*?\*/", " ", h.read_text(), flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        for m in STRUCT.finditer(text):
            out[m.group("name")] = declared_names(m.group("body"))
    return out


def test_the_header_parser_reads_a_known_struct():
    structs = c_structs()
    assert structs["tslm_conv_params"][:3] == ["batches", "input_h", "input_w"], structs["tslm_conv_params"]
    assert "dims" in structs["tslm_binary_params"]


def all_params_classes() -> list[type[KernelParams]]:
    from tinyslm.compiler.ops import registry

    registry()  # imports every op module, so every params class is defined
    seen: list[type[KernelParams]] = []
    todo = list(KernelParams.__subclasses__())
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def test_every_params_dataclass_matches_its_c_struct():
    structs = c_structs()
    classes = all_params_classes()
    assert len(classes) >= 5, classes  # the op modules define them; none found would check nothing
    for cls in classes:
        assert cls.C_TYPE in structs, f"{cls.__name__}: no struct {cls.C_TYPE} in firmware/kernels/*.h"
        assert [f.name for f in fields(cls)] == structs[cls.C_TYPE], cls.__name__


@pytest.mark.parametrize("model", ["mlperf_tiny_kws_ref_model", "mlperf_tiny_ad01_int8",
                                   "tflm_micro_speech_quantized", "tflm_hello_world_int8"])
@pytest.mark.parametrize("target", ["portable", "cortex-m-dsp"])
def test_lowered_params_fill_every_struct_field(model, target, shared_models):
    """Calls still built from dicts: their keys are exactly the struct's fields, in order."""
    structs = c_structs()
    _, plan = analyze(next(p for p in shared_models if p.stem == model), target)
    calls = [s for s in plan.steps if isinstance(s, Call) and s.params_type]
    assert calls
    for c in calls:
        assert [k for k, _ in c.param_items()] == structs[c.params_type], (c.func, c.params_type)


def test_dsp_layout_constants_are_the_kernels():
    """A limit the compiler plans with and the DSP kernel also knows is the same number on both sides."""
    from tinyslm.compiler import dsp_layout

    header = (firmware_dir() / "kernels" / "cortex_m_dsp" / "tslm_dsp.h").read_text()
    m = re.search(r"#define\s+TSLM_DSP_DW_MAX_SPAN\s+(\d+)", header)
    assert m and int(m.group(1)) == dsp_layout.DW_MAX_SPAN
