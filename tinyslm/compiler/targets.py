"""Kernel targets: which kernel set a compiled model calls, and what that set needs.

The portable kernels (``firmware/kernels/tslm_<family>.c``, functions ``tslm_<op>_<dtype>``) run
anywhere. An optimized target adds drop-in kernels in its own folder
(``firmware/kernels/<folder>/tslm_<prefix>_<family>.c/.h``, functions ``tslm_<prefix>_<op>_<dtype>``)
that take the portable kernel's params struct and, for any case they do not handle, call the
portable kernel. The op modules decide per call whether the optimized kernel applies (and then
build its weight layout and scratch); everything else takes the portable kernel on every target.

>>> get_target("cortex-m-dsp").kernel("conv", "conv_s8")
Kernel(func='tslm_dsp_conv_s8', file='cortex_m_dsp/tslm_dsp_conv.c')
>>> get_target("portable").optimized
False
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TinyslmError


@dataclass(frozen=True)
class Kernel:
    """A target-specific kernel function and its source file (relative to firmware/kernels)."""

    func: str
    file: str


@dataclass(frozen=True)
class Target:
    name: str  # what --target takes and boards name
    label: str  # how reports name its kernels
    folder: str | None = None  # its drop-in kernels under firmware/kernels, None for the portable set
    prefix: str = ""  # C prefix of its kernel functions and files: tslm_<prefix>_<op>
    headers: tuple[str, ...] = ()  # shared headers its kernels include (copied with them)
    # What its kernels take, read by the op modules:
    dsp: bool = False  # Cortex-M DSP extension kernels (SMLAD GEMM, requantization records)
    host: bool = True  # its kernels also build for the host (the DSP ones through portable SIMD equivalents)
    mve: bool = False  # Helium (MVE) kernels: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (helium_layout.py), AVERAGE_POOL_2D, MAX_POOL_2D, BATCH_MATMUL, ADD/SUB/MUL, SOFTMAX, TRANSPOSE_CONV, the fused LAYER_NORM, the int8 tables, strided copies
    # families with kernels in this target's folder; the others come from `base` (None: all here)
    families: tuple[str, ...] | None = None
    base: "Target | None" = None

    @property
    def optimized(self) -> bool:
        return self.folder is not None

    def kernel(self, family: str, op: str) -> Kernel:
        """This target's kernel for `op` (e.g. 'conv_s8') of the family `family` (e.g. 'conv')."""
        if self.folder is None:
            raise ValueError(f"the {self.name} target has no kernels of its own")
        if self.families is not None and family not in self.families and self.base is not None:
            return self.base.kernel(family, op)
        return Kernel(f"tslm_{self.prefix}_{op}", f"{self.folder}/tslm_{self.prefix}_{family}.c")


PORTABLE = Target("portable", "portable C")
CORTEX_M_DSP = Target("cortex-m-dsp", "Cortex-M DSP", folder="cortex_m_dsp", prefix="dsp",
                      headers=("tslm_simd.h", "tslm_dsp.h"), dsp=True)

# Cortex-M55/M85: Helium kernels where they exist, the DSP kernels (the M55 has the DSP extension) for the rest.
HELIUM = Target("helium", "Helium (MVE)", folder="helium", prefix="mve",
                headers=("tslm_mve.h", "tslm_simd.h", "cortex_m_dsp/tslm_dsp.h"), dsp=True, mve=True, host=False,
                families=("conv", "depthwise_conv", "fully_connected", "pooling", "batch_matmul", "binary", "softmax",
                          "transpose_conv", "layer_norm", "lut", "copy"),
                base=CORTEX_M_DSP)

TARGETS: dict[str, Target] = {t.name: t for t in (PORTABLE, CORTEX_M_DSP, HELIUM)}

# Which kernel target each CPU gets by default (boards name their CPU; tinyslm/boards.py).
CPU_TARGETS: dict[str, str] = {
    "cortex-m0": PORTABLE.name,
    "cortex-m0plus": PORTABLE.name,
    "cortex-m3": PORTABLE.name,
    "cortex-m4": CORTEX_M_DSP.name,
    "cortex-m7": CORTEX_M_DSP.name,
    "cortex-m33": CORTEX_M_DSP.name,
    "cortex-m55": HELIUM.name,
}


def get_target(name: str | Target) -> Target:
    if isinstance(name, Target):
        return name
    if name not in TARGETS:
        raise TinyslmError(f"unknown kernel target '{name}'", hint=f"use one of: {', '.join(TARGETS)}")
    return TARGETS[name]


def host_target(name: str | Target) -> str:
    """The target whose C builds on the host and gives the same bytes as `name`'s kernels: `name` itself, or for
    kernels of one CPU only (Helium) the ones they fall back to.

    >>> host_target("helium"), host_target("cortex-m-dsp"), host_target("portable")
    ('cortex-m-dsp', 'cortex-m-dsp', 'portable')
    """
    t = get_target(name)
    return t.name if t.host else (t.base.name if t.base else PORTABLE.name)


def target_names() -> list[str]:
    return list(TARGETS)
