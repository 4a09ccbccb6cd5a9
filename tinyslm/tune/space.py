"""The search space: what a trial may change in the student and its training, per task and profile.

A trial's configuration is a flat dict of plain values (what Ray Tune samples and records):

    dim, heads, blocks, mlp_ratio, sparsity, qat            every task
    stem ("dense" | "conv"), patch (frames per token)       kws
    mfcc, frame_step (the MFCC frontend's size)             kws
    latent                                                  anomaly

KWS's frontend is an axis: ``mfcc`` cepstral coefficients per frame and ``frame_step`` samples between frames
(320: the MLPerf frontend's 49 frames; 400: 39; 480: 33) change the features computed from the same audio,
the model's input and so every layer's token count; :func:`frontend_config` is the point's
:class:`~tinyslm.data.frontend.FrontendConfig` (the device's C frontend tables are generated from it). A point
without these keys (a search from before the axis) has the MLPerf frontend.

:func:`student_config` turns it into the student's config (:class:`KWTConfig` or
:class:`TransformerAEConfig`) on the data's shape; :func:`train_config` into the full training profile
(:class:`KWSTrainConfig` / :class:`ADTrainConfig`) that both a trial and ``tinyslm build --from-tune`` use.
Heads that do not divide the width (or leave fewer than 4 features per head) are lowered to the largest
that does, so every sampled point is a valid model.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Space:
    dims: tuple[int, ...]
    heads: tuple[int, ...]
    blocks: tuple[int, ...]
    mlp_ratios: tuple[float, ...]
    sparsities: tuple[float, ...]
    qat: tuple[bool, ...] = (False,)
    stems: tuple[str, ...] = ("conv", "dense")  # kws
    patches: tuple[int, ...] = (2,)  # kws: frames per token (the stem's stride)
    mfccs: tuple[int, ...] = (10,)  # kws: MFCC coefficients per frame
    frame_steps: tuple[int, ...] = (320,)  # kws: samples between frames (320 = 20 ms: 49 frames per second)
    latents: tuple[int, ...] = (8,)  # anomaly

    def ray(self, task: str) -> dict[str, Any]:
        """The space as Ray Tune domains (one independent choice per axis)."""
        from ray import tune

        d: dict[str, Any] = {"dim": tune.choice(list(self.dims)), "heads": tune.choice(list(self.heads)),
                             "blocks": tune.choice(list(self.blocks)),
                             "mlp_ratio": tune.choice(list(self.mlp_ratios)),
                             "sparsity": tune.choice(list(self.sparsities)), "qat": tune.choice(list(self.qat))}
        if task == "kws":
            d.update(stem=tune.choice(list(self.stems)), patch=tune.choice(list(self.patches)),
                     mfcc=tune.choice(list(self.mfccs)), frame_step=tune.choice(list(self.frame_steps)))
        else:
            d.update(latent=tune.choice(list(self.latents)))
        return d

    def points(self, task: str) -> list[dict[str, Any]]:
        """Every point of the grid (for the smallest-model check before a search)."""
        axes: dict[str, tuple] = {"dim": self.dims, "heads": self.heads, "blocks": self.blocks,
                                  "mlp_ratio": self.mlp_ratios, "sparsity": self.sparsities[:1], "qat": self.qat[:1]}
        axes.update({"stem": self.stems, "patch": self.patches, "mfcc": self.mfccs, "frame_step": self.frame_steps}
                    if task == "kws" else {"latent": self.latents})
        return [dict(zip(axes, v)) for v in itertools.product(*axes.values())]


SPACES: dict[tuple[str, str], Space] = {
    ("kws", "default"): Space(dims=(16, 24, 32, 48, 64), heads=(1, 2, 4), blocks=(1, 2, 3),
                              mlp_ratios=(1.0, 2.0, 3.0), sparsities=(0.0, 0.3, 0.5, 0.7), qat=(False, True),
                              stems=("conv", "dense"), patches=(2, 3, 4), mfccs=(8, 10, 13),
                              frame_steps=(320, 400, 480)),
    ("kws", "quick"): Space(dims=(8, 16, 24), heads=(1, 2), blocks=(1,), mlp_ratios=(1.0, 2.0),
                            sparsities=(0.0, 0.3), stems=("conv", "dense"), patches=(2, 4), mfccs=(8, 10),
                            frame_steps=(320, 480)),
    ("anomaly", "default"): Space(dims=(16, 24, 32, 48), heads=(1, 2, 4), blocks=(1, 2), mlp_ratios=(1.0, 2.0),
                                  sparsities=(0.0, 0.3, 0.5), qat=(False, True), latents=(4, 8, 16)),
    ("anomaly", "quick"): Space(dims=(8, 16), heads=(1, 2), blocks=(1,), mlp_ratios=(1.0, 2.0),
                                sparsities=(0.0, 0.3), latents=(4, 8)),
}


def space_for(task: str, quick: bool) -> Space:
    return SPACES[(task, "quick" if quick else "default")]


DEFAULT_MFCC, DEFAULT_FRAME_STEP = 10, 320  # the MLPerf KWS frontend (FrontendConfig.kws())


def frontend_config(point: dict[str, Any]) -> Any:
    """The KWS point's MFCC frontend: the MLPerf one with the point's coefficient count and frame step (the
    same quantization: the int8 features keep the MLPerf scale and zero point).

    >>> c = frontend_config({"mfcc": 8, "frame_step": 480})
    >>> (c.num_frames(), c.num_out), frontend_config({}) == frontend_config({"mfcc": 10, "frame_step": 320})
    ((33, 8), True)
    """
    from ..data.frontend import FrontendConfig

    return dataclasses.replace(FrontendConfig.kws(), num_mfcc=int(point.get("mfcc", DEFAULT_MFCC)),
                               frame_step=int(point.get("frame_step", DEFAULT_FRAME_STEP)))


def default_frontend(point: dict[str, Any]) -> bool:
    """Whether a KWS point uses the MLPerf frontend (49 frames x 10 MFCCs)."""
    return (int(point.get("mfcc", DEFAULT_MFCC)), int(point.get("frame_step", DEFAULT_FRAME_STEP))) == \
        (DEFAULT_MFCC, DEFAULT_FRAME_STEP)


def frontend_tag(point: dict[str, Any]) -> str:
    """A short name of the point's frontend: 'mfcc10x49'.

    >>> frontend_tag({"mfcc": 8, "frame_step": 480}), frontend_tag({})
    ('mfcc8x33', 'mfcc10x49')
    """
    c = frontend_config(point)
    return f"mfcc{c.num_out}x{c.num_frames()}"


def _heads(dim: int, heads: int) -> int:
    """The largest head count <= `heads` that divides `dim` with at least 4 features per head (1 at worst).

    >>> _heads(24, 4), _heads(16, 4), _heads(8, 4), _heads(12, 2)
    (4, 4, 2, 2)
    """
    for h in range(min(heads, max(1, dim // 4)), 0, -1):
        if dim % h == 0:
            return h
    return 1


def base_train_config(task: str, quick: bool) -> Any:
    """The build's training profile; a quick search trains each trial shorter than a quick build (teacher 4,
    student 6 epochs, 1 of pruning): a quick search shows the machinery, not a front worth building."""
    import dataclasses

    from ..train import ADTrainConfig, KWSTrainConfig
    
    cfg = (KWSTrainConfig.quick() if quick else KWSTrainConfig()) if task == "kws" else \
        (ADTrainConfig.quick() if quick else ADTrainConfig())
    if not quick:
        return cfg
    short = lambda f, n: dataclasses.replace(f, epochs=n)  # noqa: E731
    return dataclasses.replace(cfg, teacher_fit=short(cfg.teacher_fit, 4), student_fit=short(cfg.student_fit, 6),
                               prune=dataclasses.replace(cfg.prune, epochs=1) if cfg.prune else None)


def student_config(task: str, point: dict[str, Any], quick: bool) -> Any:
    """The student of a point (before the data's shape is applied; the training functions apply it)."""
    base = base_train_config(task, quick).student
    dim = int(point["dim"])
    mlp = max(8, int(round(dim * float(point["mlp_ratio"]))))
    common = dict(dim=dim, heads=_heads(dim, int(point["heads"])), blocks=int(point["blocks"]), mlp=mlp)
    if task == "kws":
        stem = str(point["stem"])
        # the convolutional stem narrows with the width, as the build's sizing does
        channels = max(8, 32 * dim // 48)
        fe = frontend_config(point)  # the model's input: the point's frontend's frames x coefficients
        return dataclasses.replace(base, **common, stem=stem, patch=int(point["patch"]), stem_channels=channels,
                                   frames=fe.num_frames(), feats=fe.num_out)
    return dataclasses.replace(base, **common, latent=min(int(point["latent"]), dim),
                               decoder_blocks=min(int(point["blocks"]), max(1, base.decoder_blocks)))


def train_config(task: str, point: dict[str, Any], quick: bool) -> Any:
    """The training profile of a point: the build's profile with the point's student, pruning and QAT."""
    cfg = base_train_config(task, quick)
    prune = cfg.prune
    sparsity = float(point["sparsity"])
    if sparsity <= 0:
        prune = None
    else:
        from ..train import PruneConfig

        prune = dataclasses.replace(prune or PruneConfig(), target_sparsity=sparsity)
    # qat False: post-training quantization, with the build's own QAT fallback where it loses > qat_above on validation
    quant = dataclasses.replace(cfg.quant, qat=bool(point.get("qat", False)))
    return dataclasses.replace(cfg, student=student_config(task, point, quick), prune=prune, quant=quant)


def point_of_student(task: str, student: Any, sparsity: float, qat: bool = False) -> dict[str, Any]:
    """The point that stands for a given student (the default build's, for example)."""
    p: dict[str, Any] = {"dim": student.dim, "heads": student.heads, "blocks": student.blocks,
                         "mlp_ratio": round(student.mlp / student.dim, 4), "sparsity": sparsity, "qat": qat}
    if task == "kws":
        p.update(stem=student.stem, patch=student.patch, mfcc=DEFAULT_MFCC, frame_step=DEFAULT_FRAME_STEP)
    else:
        p.update(latent=student.latent)
    return p


def cheaper_neighbours(task: str, point: dict[str, Any], space: Space) -> list[dict[str, Any]]:
    """The point with one axis moved one step towards fewer instructions, each a point of `space`: (KWS) a
    longer frame step (fewer frames, so fewer tokens) and larger patches (fewer tokens: every layer shrinks,
    attention quadratically), fewer heads (fewer score matrices and softmaxes), a smaller MLP, fewer MFCCs (a
    smaller embedding). The search evaluates them right after the point itself: ASHA judges a
    trial by how fast it learns, which random draws of small students lose to; neighbours of the default
    student learn about as fast as it does.

    >>> s = SPACES[("kws", "default")]
    >>> p = {"dim": 48, "heads": 4, "blocks": 2, "mlp_ratio": 2.0, "sparsity": 0.5, "qat": False,
    ...      "stem": "conv", "patch": 2, "mfcc": 10, "frame_step": 320}
    >>> [{k: v for k, v in q.items() if p[k] != v} for q in cheaper_neighbours("kws", p, s)]
    [{'frame_step': 400}, {'patch': 3}, {'heads': 2}, {'mlp_ratio': 1.0}, {'mfcc': 8}]
    """
    def step_down(values: tuple, v: Any) -> Any:
        lower = [x for x in values if x < v]
        return max(lower) if lower else None

    out = []
    if task == "kws" and "frame_step" in point:
        longer = [x for x in space.frame_steps if x > point["frame_step"]]
        if longer:
            out.append({**point, "frame_step": min(longer)})
    if task == "kws":
        larger = [x for x in space.patches if x > point["patch"]]
        if larger:
            out.append({**point, "patch": min(larger)})
    for axis, values in (("heads", space.heads), ("mlp_ratio", space.mlp_ratios)):
        v = step_down(values, point[axis])
        if v is not None:
            out.append({**point, axis: v})
    if task == "kws" and "mfcc" in point:
        v = step_down(space.mfccs, point["mfcc"])
        if v is not None:
            out.append({**point, "mfcc": v})
    return out


def describe(task: str, point: dict[str, Any], quick: bool) -> str:
    s = student_config(task, point, quick).describe()
    s = s.split(" (")[0]  # without the data shape (tokens/frames), which the profile's default may not match
    extra = f", sparsity {float(point['sparsity']):.1f}" + (", QAT" if point.get("qat") else "")
    if task == "kws":
        c = frontend_config(point)
        extra += f", {c.num_out} MFCC x {c.num_frames()} frames"
    return s + extra
