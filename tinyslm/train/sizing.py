"""Hardware-aware sizing: the largest student whose int8 model fits a board's flash, RAM and latency budget.

Needs, for one candidate configuration:

- flash = int8 weights and tables (every constant of the .tflite) + ``code_bytes``
  (firmware, kernels, the generated invoke; an estimate the caller can replace
  with a measured figure);
- RAM   = arena (every intermediate tensor and kernel scratch) + input and output
  buffers + ``reserved_ram`` (stack, serial buffers, the frontend);
- latency (optional) = multiply-accumulates per inference.

The arena comes from an *estimator*, a function ``(config) -> Need``.
:func:`compiler_estimator` (the default) builds the candidate with random
weights, converts it to int8 and asks tinyslm's own compiler for its memory
plan (``tinyslm.compiler.analyze``): the exact figure the firmware will use,
for ~2-3 s per candidate. :func:`analytic_estimator` is an instant
approximation (it overestimates the planner by ~20% on KWTs) used to order and
pre-filter the candidates, so only a handful are converted.

Search order: the widest/deepest encoder first (parameters in the blocks),
then the finest patching (more tokens), never larger than the base
configuration the profile asked for. The first candidate that fits wins.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Callable, Union

import numpy as np

from .models import KWTConfig, TransformerAEConfig

StudentConfig = Union[KWTConfig, TransformerAEConfig]


@dataclass(frozen=True)
class Budget:
    flash_bytes: int
    ram_bytes: int
    max_macs: int | None = None  # latency budget (multiply-accumulates per inference)
    code_bytes: int = 24 * 1024  # flash outside the model's constants: firmware, kernels, invoke
    reserved_ram: int = 6 * 1024  # RAM outside the arena and I/O buffers: stack, serial, frontend, globals
    board: str = ""

    @property
    def flash_for_weights(self) -> int:
        return self.flash_bytes - self.code_bytes

    @property
    def ram_for_model(self) -> int:
        return self.ram_bytes - self.reserved_ram


@dataclass
class Need:
    weights_bytes: int  # constants in the int8 model (weights, biases, tables)
    arena_bytes: int
    io_bytes: int  # input + output buffers
    macs: int
    exact: bool  # from the compiler's plan (True) or the analytic estimate
    note: str = ""


@dataclass
class Candidate:
    cfg: StudentConfig
    params: int
    need: Need
    fits: bool = False
    why: str = ""

    def row(self, budget: Budget) -> str:
        n = self.need
        src = "plan" if n.exact else "est."
        status = "FITS" if self.fits else self.why
        return (f"{self.cfg.describe():46s} {self.params:>7,d} {n.weights_bytes:>8,d} {n.arena_bytes:>8,d} "
                f"{n.io_bytes:>6,d} {n.macs:>10,d} {src:>5s}  {status}")


@dataclass
class SizingResult:
    budget: Budget
    chosen: Candidate | None
    examined: list[Candidate] = field(default_factory=list)

    def table(self) -> str:
        b = self.budget
        lat = f", latency <= {b.max_macs:,d} MACs" if b.max_macs else ""
        head = [f"Sizing for {b.board or 'the board'}: flash {b.flash_bytes:,d} B "
                f"(- {b.code_bytes:,d} code = {b.flash_for_weights:,d} for weights), RAM {b.ram_bytes:,d} B "
                f"(- {b.reserved_ram:,d} reserved = {b.ram_for_model:,d} for arena + I/O){lat}",
                f"{'candidate':46s} {'params':>7s} {'weights':>8s} {'arena':>8s} {'I/O':>6s} {'MACs':>10s} {'src':>5s}"]
        rows = [c.row(b) for c in self.examined]
        if self.chosen is None:
            tail = ["no candidate fits: " + self.refusal()]
        else:
            c = self.chosen
            tail = [f"chosen: {c.cfg.describe()}: flash {c.need.weights_bytes + b.code_bytes:,d} / "
                    f"{b.flash_bytes:,d} B, RAM {c.need.arena_bytes + c.need.io_bytes + b.reserved_ram:,d} / "
                    f"{b.ram_bytes:,d} B"]
        return "\n".join(head + rows + tail)

    def refusal(self) -> str:
        """Why nothing fits, with the numbers of the smallest candidate examined."""
        if not self.examined:
            return "no candidates"
        c = min(self.examined, key=lambda c: (c.need.arena_bytes + c.need.io_bytes, c.need.weights_bytes))
        b, n = self.budget, c.need
        return (f"the smallest candidate ({c.cfg.describe()}) needs {n.arena_bytes + n.io_bytes:,d} B of RAM "
                f"(arena {n.arena_bytes:,d} + I/O {n.io_bytes:,d}) + {b.reserved_ram:,d} reserved = "
                f"{n.arena_bytes + n.io_bytes + b.reserved_ram:,d} B > {b.ram_bytes:,d} B"
                if n.arena_bytes + n.io_bytes > b.ram_for_model else
                f"the smallest candidate ({c.cfg.describe()}) needs {n.weights_bytes:,d} B of weights + "
                f"{b.code_bytes:,d} B code > {b.flash_bytes:,d} B of flash"
                if n.weights_bytes > b.flash_for_weights else
                f"the smallest candidate ({c.cfg.describe()}) needs {n.macs:,d} MACs > {b.max_macs:,d}")


Estimator = Callable[[StudentConfig], Need]


# ---------------------------------------------------------------- estimators
def _align(n: int, a: int = 16) -> int:
    return (n + a - 1) // a * a


def analytic_estimator(cfg: StudentConfig) -> Need:
    """Instant approximation: int8 weights + int32 biases, peak live activations in attention/MLP.

    >>> n = analytic_estimator(KWTConfig(dim=32, heads=2, blocks=2, patch=7, pool="mean"))
    >>> n.arena_bytes, n.io_bytes, n.exact
    (1104, 502, False)
    """
    if isinstance(cfg, KWTConfig):
        s, d, h, m = cfg.seq, cfg.dim, cfg.heads, cfg.mlp
        io = cfg.frames * cfg.feats + cfg.classes
        params, macs = cfg.params(), cfg.macs()
        embed_in = cfg.tokens * cfg.patch * cfg.feats
        if cfg.stem == "conv":  # input + first convolution's output, then that output + the tokens
            conv1 = (cfg.frames - cfg.stem_kernel + 1) * cfg.stem_channels
            embed_in = max(cfg.frames * cfg.feats + conv1 - s * d, conv1)
    else:
        s, d, h, m = cfg.frames, cfg.dim, cfg.heads, cfg.mlp
        io = 2 * cfg.frames * cfg.mels
        params, macs = ae_params(cfg), ae_macs(cfg)
        embed_in = 0
    attention = 4 * s * d + 2 * h * s * s  # residual + q, k, v (head-split copies) + scores + probabilities
    mlp = 2 * s * d + s * m
    arena = _align(max(attention, mlp, embed_in + s * d))
    # int8 weights, int32 biases (~1 per output column), per-tensor/per-channel params ~ negligible
    return Need(weights_bytes=int(params * 1.1) + 256, arena_bytes=arena, io_bytes=io, macs=macs, exact=False)


def build_student(cfg: StudentConfig):
    from .models import build_kwt, build_transformer_ae, with_softmax

    return with_softmax(build_kwt(cfg)) if isinstance(cfg, KWTConfig) else build_transformer_ae(cfg)


def compiler_estimator(cfg: StudentConfig, seed: int = 0) -> Need:
    """Exact: random-weight int8 model of `cfg`, planned by tinyslm's compiler."""
    from ._tf import keras, seed_everything
    from .quantize import convert_int8

    seed_everything(seed)
    model = build_student(cfg)
    shape = model.input_shape[1:]
    calib = np.random.default_rng(seed).standard_normal((32, *shape)).astype(np.float32)
    tfl = convert_int8(model, calib, n_calib=32)
    keras.backend.clear_session()
    try:
        from ..compiler import analyze
    except ImportError:  # pragma: no cover - compiler missing: fall back
        n = analytic_estimator(cfg)
        n.note = "compiler not importable"
        return n
    graph, plan = analyze(tfl)
    weights = sum(t.nbytes for t in graph.tensors if t.is_const)
    io = sum(graph.tensors[i].nbytes for i in graph.inputs) + sum(graph.tensors[i].nbytes for i in graph.outputs)
    macs = sum(getattr(s, "macs", 0) for s in plan.steps) or analytic_estimator(cfg).macs
    return Need(weights_bytes=int(weights), arena_bytes=int(plan.arena_bytes), io_bytes=int(io), macs=int(macs),
                exact=True)


# ---------------------------------------------------------------- AD helpers
def ae_params(cfg: TransformerAEConfig) -> int:
    """
    >>> ae_params(TransformerAEConfig(frames=32, mels=64, dim=32, heads=2, blocks=1, mlp=64, latent=8,
    ...                               bottleneck="frame"))
    14312
    """
    d, m, lat = cfg.dim, cfg.mlp, cfg.latent
    block = 2 * d + (d * d + d) + 2 * d * d + (d * d + d) + 2 * d + (d * m + m) + (m * d + d)
    n = cfg.mels * d + d + cfg.frames * d + cfg.blocks * block + 2 * d + (d * lat + lat) + (lat * d + d)
    if cfg.bottleneck == "global":
        n += cfg.frames * d + cfg.decoder_blocks * block + 2 * d
    return n + d * cfg.mels + cfg.mels


def ae_macs(cfg: TransformerAEConfig) -> int:
    d, m, s = cfg.dim, cfg.mlp, cfg.frames
    per_block = s * (4 * d * d + 2 * d * m) + 2 * s * s * d
    if cfg.bottleneck == "frame":
        return s * (cfg.mels * d + 2 * d * cfg.latent + d * cfg.mels) + cfg.blocks * per_block
    return s * 2 * cfg.mels * d + 2 * d * cfg.latent + (cfg.blocks + cfg.decoder_blocks) * per_block


# ---------------------------------------------------------------- search
def _core_params(cfg: StudentConfig) -> int:
    d, m = cfg.dim, cfg.mlp
    return cfg.blocks * (4 * d * d + 2 * d * m)


def kws_candidates(base: KWTConfig, dims=(8, 12, 16, 24, 32, 48, 64, 96), heads=(1, 2, 4, 8),
                   patches=(1, 2, 3, 4, 5, 7, 10)) -> list[KWTConfig]:
    """Configurations no larger than `base` (width, depth, heads; patches no finer), best first; `base` itself is
    always one (its width and heads join the ladders).

    >>> base = KWTConfig(dim=56, heads=4, mlp=56, stem="conv", patch=2)
    >>> kws_candidates(base)[0] == base
    True
    """
    dims, heads, patches = sorted({*dims, base.dim}), sorted({*heads, base.heads}), sorted({*patches, base.patch})
    out = []
    for d, h, b, p in itertools.product(dims, heads, range(1, base.blocks + 1), patches):
        if d > base.dim or h > base.heads or p < base.patch or d % h or d // h < 4 or p > base.frames:
            continue
        c = dataclasses.replace(base, dim=d, heads=h, blocks=b, patch=p, mlp=max(8, base.mlp * d // base.dim))
        if base.stem == "conv":  # the convolutional patch embedding narrows with the model
            c = dataclasses.replace(c, stem_channels=max(8, base.stem_channels * d // base.dim))
        out.append(c)
    return sorted(out, key=lambda c: (-_core_params(c), -c.tokens, -c.heads))


def ae_candidates(base: TransformerAEConfig, dims=(8, 12, 16, 24, 32, 48, 64), heads=(1, 2, 4)) -> list[
        TransformerAEConfig]:
    """Configurations no larger than `base`, best first; `base` itself is always one."""
    dims, heads = sorted({*dims, base.dim}), sorted({*heads, base.heads})
    out = []
    for d, h, b in itertools.product(dims, heads, range(1, base.blocks + 1)):
        if d > base.dim or h > base.heads or d % h or d // h < 4:
            continue
        out.append(dataclasses.replace(base, dim=d, heads=h, blocks=b, mlp=max(8, base.mlp * d // base.dim),
                                       latent=min(base.latent, d),
                                       decoder_blocks=min(b, base.decoder_blocks)))
    return sorted(out, key=lambda c: (-_core_params(c), -c.heads))


def _check(c: Candidate, budget: Budget) -> Candidate:
    n = c.need
    problems = []
    if n.weights_bytes > budget.flash_for_weights:
        problems.append(f"flash {n.weights_bytes + budget.code_bytes:,d} > {budget.flash_bytes:,d}")
    if n.arena_bytes + n.io_bytes > budget.ram_for_model:
        problems.append(f"RAM {n.arena_bytes + n.io_bytes + budget.reserved_ram:,d} > {budget.ram_bytes:,d}")
    if budget.max_macs is not None and n.macs > budget.max_macs:
        problems.append(f"MACs {n.macs:,d} > {budget.max_macs:,d}")
    c.fits, c.why = not problems, "; ".join(problems)
    return c


def search(candidates: list[StudentConfig], budget: Budget, estimator: Estimator | None = None,
           max_exact: int = 8, prefilter_slack: float = 0.6) -> SizingResult:
    """First candidate (in order) that fits; the analytic estimate skips the clear misses.

    A candidate is only sent to the (slow, exact) `estimator` if its analytic RAM need times
    `prefilter_slack` still fits, its analytic weights fit, and its MACs fit; at most `max_exact` are.
    """
    estimator = estimator or compiler_estimator
    examined: list[Candidate] = []
    exact_calls = 0
    smallest = None
    for cfg in candidates:
        params = cfg.params() if isinstance(cfg, KWTConfig) else ae_params(cfg)
        est = _check(Candidate(cfg, params, analytic_estimator(cfg)), budget)
        if smallest is None or est.need.arena_bytes + est.need.io_bytes < smallest.need.arena_bytes + \
                smallest.need.io_bytes:
            smallest = est
        ram_ok = (est.need.arena_bytes * prefilter_slack + est.need.io_bytes) <= budget.ram_for_model
        flash_ok = est.need.weights_bytes * 0.9 <= budget.flash_for_weights
        macs_ok = budget.max_macs is None or est.need.macs * 0.9 <= budget.max_macs
        if not (ram_ok and flash_ok and macs_ok) or exact_calls >= max_exact:
            continue
        exact_calls += 1
        c = _check(Candidate(cfg, params, estimator(cfg)), budget)
        examined.append(c)
        if c.fits:
            return SizingResult(budget, c, examined)
    if smallest is not None and not any(e.cfg == smallest.cfg for e in examined):
        # Nothing examined fits: measure the smallest candidate exactly, for the refusal's numbers (and in
        # case the analytic pre-filter was too pessimistic).
        smallest = _check(Candidate(smallest.cfg, smallest.params, estimator(smallest.cfg)), budget)
        examined.append(smallest)
        if smallest.fits:
            return SizingResult(budget, smallest, examined)
    return SizingResult(budget, None, examined)


def size_student(budget: Budget, base: KWTConfig = KWTConfig(), estimator: Estimator | None = None,
                 max_exact: int = 8) -> SizingResult:
    """KWS student for `budget` (no larger than `base`)."""
    return search(kws_candidates(base), budget, estimator, max_exact)


def size_autoencoder(budget: Budget, base: TransformerAEConfig = TransformerAEConfig(),
                     estimator: Estimator | None = None, max_exact: int = 8) -> SizingResult:
    """AD student for `budget` (no larger than `base`)."""
    return search(ae_candidates(base), budget, estimator, max_exact)
