"""Write the generated C project: NAME.h, NAME.c and the kernel files they use.

Python decides everything (names, pointers, comments); the Jinja templates in
templates/ only lay the text out.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..resources import firmware_dir
from ..templating import template_env
from .cdecl import c_array, c_identifier, c_struct, c_value
from .ir import Graph, Tensor
from .lowering import PARAMS, Alias, Call, ConstArray, Lit, Ref, Scratch, T, TList
from .planner import Plan
from .targets import Target, get_target


@dataclass
class IoSpec:
    kind: str  # "input" | "output"
    pos: int
    tensor: Tensor
    macro: str
    var: str

    @property
    def tensor_name(self) -> str:
        return self.tensor.name.replace("*/", "* /")

    @property
    def dtype(self) -> str:
        return self.tensor.dtype

    @property
    def ctype(self) -> str:
        return self.tensor.ctype

    @property
    def nbytes(self) -> int:
        return self.tensor.nbytes

    @property
    def numel(self) -> int:
        return self.tensor.numel

    @property
    def rank(self) -> int:
        return len(self.tensor.shape)

    @property
    def shape_text(self) -> str:
        return "x".join(str(d) for d in self.tensor.shape) or "scalar"

    @property
    def shape_init(self) -> str:
        return c_value(list(self.tensor.shape) or [1])

    @property
    def quantized(self) -> bool:
        return self.tensor.quant is not None

    @property
    def scale_text(self) -> str:
        return repr(float(np.float32(self.tensor.scale))) if self.quantized else "1.0"

    @property
    def zero_point(self) -> int:
        return self.tensor.zero_point if self.quantized else 0


class Emitter:
    def __init__(self, graph: Graph, plan: Plan, name: str, target: str | Target = "portable"):
        self.g = graph
        self.target = get_target(target)
        self.plan = plan
        self.name = name
        self.inputs = [IoSpec("input", i, graph.tensors[t], f"{name.upper()}_INPUT{i}", f"in{i}")
                       for i, t in enumerate(graph.inputs)]
        self.outputs = [IoSpec("output", i, graph.tensors[t], f"{name.upper()}_OUTPUT{i}", f"out{i}")
                        for i, t in enumerate(graph.outputs)]
        self.const_names: dict[int, str] = {}  # tensor index -> C array name
        self.const_decls: list[str] = []
        self.dedup: dict[tuple[str, bytes], str] = {}  # (ctype, values) -> name
        self.renamed: dict[str, str] = {}  # ConstArray name -> emitted name
        self.weights_bytes = 0
        self.used_vars: set[str] = set()

    # ------------------------------------------------------------ constants
    def const_array(self, c: ConstArray) -> str:
        values = np.asarray(c.values).reshape(-1)
        key = (c.ctype, values.astype(np.int64 if c.ctype != "float" else np.float64).tobytes())
        if key in self.dedup:
            self.renamed[c.name] = self.dedup[key]
            return self.dedup[key]
        self.dedup[key] = c.name
        self.renamed[c.name] = c.name
        self.const_decls.append(c_array(c.name, c.ctype, values, comment=c.comment))
        self.weights_bytes += values.size * {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int64_t": 8}.get(c.ctype, 4)
        return c.name

    def tensor_const(self, t: Tensor) -> str:
        if t.index in self.const_names:
            return self.const_names[t.index]
        name = f"tensor{t.index}_{c_identifier(t.name.split('/')[-1], 24)}"
        assert t.data is not None
        comment = f"tensor {t.index} '{t.name}': {t.describe()}"
        self.const_names[t.index] = name
        self.const_decls.append(c_array(name, t.ctype, t.data.reshape(-1), comment=comment.replace("*/", "* /")))
        self.weights_bytes += t.nbytes
        return name

    # -------------------------------------------------------------- pointers
    def ptr(self, index: int, writable: bool) -> str:
        t = self.g.tensors[index]
        st = self.plan.storage.get(index)
        if st is None:
            raise AssertionError(f"tensor {index} has no storage")
        if st.kind == "input":
            var = self.inputs[st.index].var
            self.used_vars.add(var)
            return var if self.inputs[st.index].ctype == t.ctype else f"(const {t.ctype} *){var}"
        if st.kind == "output":
            var = self.outputs[st.index].var
            self.used_vars.add(var)
            return var if self.outputs[st.index].ctype == t.ctype else f"({t.ctype} *){var}"
        if st.kind == "const":
            root = self.g.tensors[self.plan.root[index]]
            if root.data is None:  # a constant seen through a reshape alias
                root = next(m for m in self.g.tensors if self.plan.root[m.index] == self.plan.root[index] and m.is_const)
            name = self.tensor_const(root)
            return name if root.ctype == t.ctype else f"(const {t.ctype} *){name}"
        cast = t.ctype if writable else f"const {t.ctype}"
        area = "state" if st.kind == "state" else "arena"
        return f"({cast} *)({area} + {st.offset})" if st.offset else f"({cast} *){area}"

    def where(self, index: int) -> str:
        st = self.plan.storage.get(index)
        if st is None:
            return "?"
        if st.kind in ("arena", "state"):
            return f"{st.kind}+{st.offset}"
        if st.kind in ("input", "output"):
            return f"{st.kind}s[{st.index}]"
        return "flash"

    # ----------------------------------------------------------------- steps
    def step(self, pos: int, s: Call | Alias) -> dict[str, Any]:
        op = s.op
        if isinstance(s, Alias):
            src, dst = self.g.tensors[s.src], self.g.tensors[s.dst]
            return dict(title=f"op {op.index}: {op.opcode} (no code: the output is the input's bytes)",
                        lines=[f"{src.describe()} [{self.where(src.index)}] -> {dst.describe()}"], code=[],
                        op_index=op.index)
        title = f"op {op.index}: {op.opcode}" + (f"  {s.note}" if s.note else "")
        lines = []
        roles = {"tslm_fully_connected": ["in", "w", "b", "out"], "tslm_conv": ["in", "w", "b", "out"],
                 "tslm_depthwise_conv": ["in", "w", "b", "out"]}.get(s.family)
        for k, i in enumerate(op.inputs):
            if i < 0:
                continue
            t = self.g.tensors[i]
            role = roles[k] if roles and k < len(roles) else f"in{k}" if len(op.inputs) > 1 else "in"
            if (t.is_const and role not in ("w", "b") and s.func not in ("memcpy",)
                    and not any(isinstance(a, T) and a.index == i for a in s.args)):
                continue  # consumed at compile time (shape, axis, permutation...)
            if t.is_const and role == "b" and not any(isinstance(a, T) and a.index == i for a in s.args):
                continue  # folded: shown as the array the kernel takes, below
            lines.append(f"{role + ':':5} {t.describe()} [{self.where(i)}]")
        arg_refs = {a.name for a in s.args if isinstance(a, Ref)}
        for c in s.consts:
            if c.name in arg_refs and c.role == "bias":
                lines.append(f"{'b:':5} int32 {np.asarray(c.values).size}, {c.comment} [flash]")
        refs = {v.name for _, v in s.param_items() if isinstance(v, Ref)}
        for c in s.consts:
            if c.name in refs and c.role == "requant":
                lines.append(f"{'rq:':5} int32 {np.asarray(c.values).size // 4}x4, {c.comment} [flash]")
        for i in op.outputs:
            lines.append(f"{'out:':5} {self.g.tensors[i].describe()} [{self.where(i)}]")
        if s.macs:
            lines.append(f"MACs: {s.macs:,}")
        code: list[str] = []
        params_name = f"op{op.index}"
        args: list[str] = []
        n_lists, seen_lists = sum(isinstance(a, TList) for a in s.args), 0  # several: op<N>_inputs0, _inputs1...
        if s.params_type and PARAMS not in s.args:
            args.append(f"&{params_name}")
        for a in s.args:
            if a == PARAMS:
                args.append(f"&{params_name}")
            elif isinstance(a, T):
                args.append(self.ptr(a.index, writable=a.index in s.writes))
            elif isinstance(a, Ref):
                name = self.renamed.get(a.name, a.name)
                args.append(f"({a.cast}){name}" if a.cast else name)
            elif isinstance(a, Lit):
                args.append(a.text)
            elif isinstance(a, Scratch):
                if pos not in self.plan.scratch:
                    args.append("NULL")
                else:
                    off = self.plan.scratch[pos]
                    args.append(f"({a.ctype} *)(arena + {off})" if off else f"({a.ctype} *)arena")
            elif isinstance(a, TList):
                ptrs = ", ".join(self.ptr(i, False) for i in a.indices)
                var = f"op{op.index}_inputs" + (str(seen_lists) if n_lists > 1 else "")
                seen_lists += 1
                code.append(f"const void *const {var}[{len(a.indices)}] = {{{ptrs}}};")
                args.append(var)
        code.append(f"{s.func}({', '.join(args)});")
        return dict(title=title, lines=lines, code=code, op_index=op.index)

    def render(self, out_dir: Path) -> tuple[list[Path], int]:
        steps = self.plan.steps
        params_decls = []
        # Consts first (dedup decides names used by params and args).
        for s in steps:
            if isinstance(s, Call):
                for c in s.consts:
                    self.const_array(c)
        for s in steps:
            if isinstance(s, Call) and s.params_type:
                fields = {k: (self.renamed.get(v.name, v.name) if isinstance(v, Ref) else "NULL" if v is None else v)
                          for k, v in s.param_items()}
                params_decls.append(c_struct(f"op{s.op.index}", s.params_type, fields))
        rendered_steps = [self.step(k, s) for k, s in enumerate(steps)]
        state = []
        for b in self.plan.state:  # each variable: where, its reset byte, its start values (a const array)
            t = self.g.tensors[b.tensor]
            initial = None
            if b.initial is not None:
                initial = f"{c_identifier(t.name.split('/')[-1], 24)}_start"
                self.const_decls.append(c_array(initial, t.ctype, np.asarray(b.initial).reshape(-1),
                                                comment=f"variable '{t.name}' before the first invocation: "
                                                        f"{t.describe()}".replace("*/", "* /")))
                self.weights_bytes += b.size
            state.append(dict(offset=b.offset, size=b.size, fill=b.reset_fill, initial=initial,
                              name=t.name.replace("*/", "* /")))
        final_copies = []
        for o, pos in self.plan.copies_at_end:
            src = self.ptr(o, False)
            final_copies.append(f"memcpy({self.outputs[pos].var}, {src}, {self.g.tensors[o].nbytes}); "
                                f"/* output {pos} is another buffer of the model */")
            self.used_vars.add(self.outputs[pos].var)
        families = sorted({s.family for s in steps if isinstance(s, Call) and s.family})
        variants = sorted({s.variant for s in steps if isinstance(s, Call) and s.variant})
        if variants:  # a target kernel may call another family's (the Helium CONV_2D: the FULLY_CONNECTED pairs)
            variants, families = _with_included_variants(firmware_dir() / "kernels", variants, families)
        env = template_env()
        ctx = dict(name=self.name, NAME=self.name.upper(), guard=f"{self.name.upper()}_H", version=__version__,
                   source=Path(self.g.source).name, sha256=self.g.sha256, inputs=self.inputs, outputs=self.outputs,
                   arena_bytes=self.plan.arena_bytes, weights_bytes=self.weights_bytes,
                   state_bytes=self.plan.state_bytes, state=state,
                   macs=sum(s.macs for s in steps if isinstance(s, Call)),
                   n_calls=sum(1 for s in steps if isinstance(s, Call)),
                   headers=[f"{f}.h" for f in families] + [Path(v).with_suffix(".h").name for v in variants], consts=self.const_decls, params=params_decls,
                   steps=rendered_steps, final_copies=final_copies)
        unused = [io.var for io in self.inputs + self.outputs if io.var not in self.used_vars]
        for var in unused:
            rendered_steps.append(dict(title=f"'{var}' is not used by any operator", lines=[], code=[f"(void){var};"],
                                       op_index=-1))
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in [*out_dir.glob("tslm_*.[ch]"), out_dir / f"{self.name}.c", out_dir / f"{self.name}.h",
                      out_dir / f"{self.name}.json"]:
            stale.unlink(missing_ok=True)  # kernels a previous model needed and this one does not
        header = env.get_template("model.h.j2").render(**ctx)
        source = env.get_template("model.c.j2").render(**ctx)
        written = [out_dir / f"{self.name}.h", out_dir / f"{self.name}.c"]
        written[0].write_text(header)
        written[1].write_text(source)
        kdir = firmware_dir() / "kernels"
        needed = _with_included_families(kdir, families)  # a kernel may call another family's (LSTM: the int16 sigmoid)
        files = [kdir / "tslm_common.h"] + [kdir / f"{fam}.{ext}" for fam in needed for ext in ("h", "c")]
        if variants:
            tdir = kdir / self.target.folder  # type: ignore[operator]
            for h in self.target.headers:
                files.append(tdir / h if (tdir / h).exists() else kdir / h)
            files += [(kdir / v).with_suffix(ext) for v in variants for ext in (".h", ".c")]
            files += _local_includes(tdir, [kdir / v for v in variants], files)
        for src in files:
            shutil.copyfile(src, out_dir / src.name)
            written.append(out_dir / src.name)
        return written, self.weights_bytes


def _with_included_variants(kdir: Path, variants: list[str], families: list[str]) -> tuple[list[str], list[str]]:
    """The target kernels `variants` (e.g. helium/tslm_mve_conv.c) and those of their folder whose headers they
    include, transitively, with the portable families those include (their .h includes the portable one's)."""
    out, fams = list(variants), list(families)
    for v in out:  # (grows while walked)
        folder = (kdir / v).parent
        for dep in re.findall(r'#include "(tslm_\w+)\.h"', (kdir / v).read_text()):
            rel = f"{Path(v).parent.as_posix()}/{dep}.c"
            if (folder / f"{dep}.c").exists() and rel not in out:
                out.append(rel)
        for dep in re.findall(r'#include "(tslm_\w+)\.h"', (kdir / v).with_suffix(".h").read_text()):
            if dep not in fams and (kdir / f"{dep}.c").exists():
                fams.append(dep)
    return sorted(out), sorted(fams)


def _local_includes(folder: Path, sources: list[Path], have: list[Path]) -> list[Path]:
    """Headers of `folder` that the target kernels `sources` include and `have` lacks (a kernel's generated part,
    e.g. cortex_m_dsp/tslm_dsp_depthwise_small_drivers.h), in the order first included."""
    names = {f.name for f in have}
    out: list[Path] = []
    for src in sources:
        for h in re.findall(r'#include "(\w+\.h)"', src.read_text()):
            if h not in names and (folder / h).exists():
                names.add(h)
                out.append(folder / h)
    return out


def _with_included_families(kdir: Path, families: list[str]) -> list[str]:
    """The kernel families and every family their sources include (#include "tslm_<family>.h"), transitively."""
    out = list(families)
    for fam in out:  # (grows while walked)
        for dep in re.findall(r'#include "(tslm_\w+)\.h"', (kdir / f"{fam}.c").read_text()):
            if dep not in out and (kdir / f"{dep}.c").exists():
                out.append(dep)
    return sorted(out)
