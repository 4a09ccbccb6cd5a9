"""Keras model builders: KWS teacher and student, anomaly-detection autoencoders.

(One module of ~530 lines on purpose: every student shares the int8-convertible building blocks below
and the config (de)serialization the pipeline, the sizing rule and `tinyslm tune` use; split per task,
each half would import the other's layers.)

Every *student* here converts to an all-int8 .tflite that TensorFlow Lite
Micro (and tinyslm's compiler) runs: the converter emits only
FULLY_CONNECTED, CONV_2D (the convolutional patch embedding), ADD, SUB,
MUL, MEAN, RSQRT, BATCH_MATMUL, SOFTMAX, TRANSPOSE, RESHAPE, CONCATENATION
and STRIDED_SLICE for them (checked by the tests).
How that is ensured:

- layer norm is :class:`LayerNorm` (mean, subtract, multiply, mean, rsqrt);
  Keras' own LayerNormalization leaves float ops behind;
- ReLU in the MLP (TFLM has no int8 GELU);
- attention is written with plain matmuls, reshapes and transposes
  (:class:`SplitHeads`, :class:`DotProductAttention`, :class:`MergeHeads`),
  and the projections are ordinary ``Dense`` layers at the top level of the
  functional model, so tensorflow-model-optimization can wrap them for pruning
  or QAT (it wraps top-level layers only);
- no Lambda layers (tfmot cannot clone them): every custom layer has a
  ``get_config``;
- the batch size is fixed to 1 when converting (see ``quantize.py``): shapes
  are then static and ``tf.shape`` folds to constants.

Teachers (:func:`build_dscnn`, :func:`build_dense_ae`) are trained in float
only and may use anything (batch norm, depthwise convolutions).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ._tf import keras, tf

L = keras.layers


# ---------------------------------------------------------------- custom layers
def _batch(x: tf.Tensor) -> tf.Tensor | int:
    """Static batch size when known (conversion, batch 1), else the dynamic one."""
    return x.shape[0] if x.shape[0] is not None else tf.shape(x)[0]


@keras.utils.register_keras_serializable("tinyslm")
class LayerNorm(L.Layer):
    """Layer norm over the last axis written as mean, sub, mul, mean, rsqrt (all int8 in TFLM)."""

    def __init__(self, epsilon: float = 1e-3, **kw):
        super().__init__(**kw)
        self.epsilon = epsilon

    def build(self, input_shape):
        d = int(input_shape[-1])
        self.gamma = self.add_weight(name="gamma", shape=(d,), initializer="ones")
        self.beta = self.add_weight(name="beta", shape=(d,), initializer="zeros")
        super().build(input_shape)

    def call(self, x):
        mu = tf.reduce_mean(x, axis=-1, keepdims=True)
        d = x - mu
        var = tf.reduce_mean(d * d, axis=-1, keepdims=True)
        return d * tf.math.rsqrt(var + self.epsilon) * self.gamma + self.beta

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.utils.register_keras_serializable("tinyslm")
class ClassToken(L.Layer):
    """Prepends a learned token to the sequence (CONCATENATION with a constant)."""

    def __init__(self, stddev: float = 0.5, **kw):
        super().__init__(**kw)
        self.stddev = stddev

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}

    def build(self, input_shape):
        # Initialized at the scale of the token embeddings (not ViT's 0.02): a vector much smaller than the
        # tokens is lost in the int8 activation it is concatenated into, and the layer norm then amplifies
        # the rounding error of that (constant) row.
        self.token = self.add_weight(name="token", shape=(1, 1, int(input_shape[-1])),
                                     initializer=keras.initializers.TruncatedNormal(stddev=self.stddev))
        super().build(input_shape)

    def call(self, x):
        tok = tf.broadcast_to(self.token, (_batch(x), 1, self.token.shape[-1]))
        return tf.concat([tok, x], axis=1)


@keras.utils.register_keras_serializable("tinyslm")
class PositionEmbedding(L.Layer):
    """Adds a learned embedding per position (ADD with a constant)."""

    def __init__(self, stddev: float = 0.5, length: int | None = None, **kw):
        super().__init__(**kw)
        self.stddev, self.length = stddev, length  # length: broadcast a (B, 1, D) input to (B, length, D)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "length": self.length}

    def build(self, input_shape):
        # Same reason as ClassToken: positions far below one int8 step of the sum would be rounded away.
        self.pos = self.add_weight(name="pos", shape=(1, self.length or int(input_shape[1]), int(input_shape[2])),
                                   initializer=keras.initializers.TruncatedNormal(stddev=self.stddev))
        super().build(input_shape)

    def call(self, x):
        return x + self.pos


@keras.utils.register_keras_serializable("tinyslm")
class SplitHeads(L.Layer):
    """(B, S, H*Dh) -> (B, H, S, Dh): RESHAPE + TRANSPOSE."""

    def __init__(self, heads: int, **kw):
        super().__init__(**kw)
        self.heads = heads

    def call(self, x):
        s, d = x.shape[1], x.shape[2]
        x = tf.reshape(x, (_batch(x), s, self.heads, d // self.heads))
        return tf.transpose(x, (0, 2, 1, 3))

    def get_config(self):
        return {**super().get_config(), "heads": self.heads}


@keras.utils.register_keras_serializable("tinyslm")
class MergeHeads(L.Layer):
    """(B, H, S, Dh) -> (B, S, H*Dh): TRANSPOSE + RESHAPE."""

    def call(self, x):
        h, s, dh = x.shape[1], x.shape[2], x.shape[3]
        return tf.reshape(tf.transpose(x, (0, 2, 1, 3)), (_batch(x), s, h * dh))


@keras.utils.register_keras_serializable("tinyslm")
class DotProductAttention(L.Layer):
    """softmax(q k^T / sqrt(Dh)) v on (B, H, S, Dh) tensors: BATCH_MATMUL, MUL, SOFTMAX, BATCH_MATMUL."""

    def call(self, inputs):
        q, k, v = inputs
        scale = 1.0 / math.sqrt(int(q.shape[-1]))
        att = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * scale, axis=-1)
        return tf.matmul(att, v)


@keras.utils.register_keras_serializable("tinyslm")
class TakeToken(L.Layer):
    """x[:, index, :] (STRIDED_SLICE)."""

    def __init__(self, index: int = 0, **kw):
        super().__init__(**kw)
        self.index = index

    def call(self, x):
        return x[:, self.index, :]

    def get_config(self):
        return {**super().get_config(), "index": self.index}


@keras.utils.register_keras_serializable("tinyslm")
class Crop(L.Layer):
    """x[:, :n] along axis 1 (STRIDED_SLICE); identity when n is the full length."""

    def __init__(self, n: int, **kw):
        super().__init__(**kw)
        self.n = n

    def call(self, x):
        return x if x.shape[1] == self.n else x[:, : self.n]

    def get_config(self):
        return {**super().get_config(), "n": self.n}


@keras.utils.register_keras_serializable("tinyslm")
class TimeMeanNorm(L.Layer):
    """Per-utterance cepstral mean normalization: ``x - mean over axis 1 (time) of x``, each feature on its own
    (TFLite MEAN over the frames + a broadcast SUB, both int8 in TFLM)."""

    def call(self, x):
        return x - tf.reduce_mean(x, axis=1, keepdims=True)


CUSTOM_OBJECTS = {c.__name__: c for c in (LayerNorm, ClassToken, PositionEmbedding, SplitHeads, MergeHeads,
                                          DotProductAttention, TakeToken, Crop, TimeMeanNorm)}


def encoder_block(h: tf.Tensor, dim: int, heads: int, mlp: int, dropout: float, name: str) -> tf.Tensor:
    """Pre-norm transformer encoder block (MHSA + ReLU MLP), functional style."""
    a = LayerNorm(name=f"{name}_ln1")(h)
    q = SplitHeads(heads, name=f"{name}_q_heads")(L.Dense(dim, name=f"{name}_q")(a))
    k = SplitHeads(heads, name=f"{name}_k_heads")(L.Dense(dim, use_bias=False, name=f"{name}_k")(a))
    v = SplitHeads(heads, name=f"{name}_v_heads")(L.Dense(dim, use_bias=False, name=f"{name}_v")(a))
    o = MergeHeads(name=f"{name}_merge")(DotProductAttention(name=f"{name}_att")([q, k, v]))
    o = L.Dense(dim, name=f"{name}_o")(o)
    if dropout:
        o = L.Dropout(dropout, name=f"{name}_drop1")(o)
    h = L.Add(name=f"{name}_res1")([h, o])
    m = LayerNorm(name=f"{name}_ln2")(h)
    m = L.Dense(mlp, activation="relu", name=f"{name}_mlp1")(m)
    m = L.Dense(dim, name=f"{name}_mlp2")(m)
    if dropout:
        m = L.Dropout(dropout, name=f"{name}_drop2")(m)
    return L.Add(name=f"{name}_res2")([h, m])


# ---------------------------------------------------------------- KWS student
@dataclass(frozen=True)
class KWTConfig:
    """Keyword transformer (KWT-style) student on MFCC frames."""

    frames: int = 49
    feats: int = 10
    classes: int = 12
    patch: int = 1  # feature frames per token: the patch size (dense stem) or the second convolution's stride
    dim: int = 32
    heads: int = 2
    blocks: int = 2
    mlp: int = 64
    pool: str = "cls"  # "cls" (class token) or "mean" (mean over tokens)
    dropout: float = 0.0
    # Patch embedding ("stem"):
    # - "dense": one Dense over each group of `patch` frames (KWT's linear patch embedding);
    # - "conv": a small convolutional patch embedding over the frames, Conv1D(stem_channels, stem_kernel) + ReLU,
    #   then Conv1D(dim, stem_kernel, stride=patch), both VALID (so the input normalization folds exactly into
    #   the first one). TFLite runs each as one int8 CONV_2D. It sees neighbouring frames, which the dense
    #   per-frame embedding cannot, and its stride shortens the sequence the attention works on.
    stem: str = "dense"
    stem_channels: int = 32
    stem_kernel: int = 3
    # Per-utterance cepstral mean normalization as the first op (layer "cmn"): each feature coefficient minus its
    # mean over the clip's frames, which removes a constant channel/timbre offset (spectral tilt, loudness). Opt-in:
    # it lost 3.3 points on an unseen engine and 2.6 on validation (kws_shift.py's CMN study, issue 17).
    cmn: bool = False

    def __post_init__(self) -> None:
        if self.dim % self.heads:
            raise ValueError(f"dim={self.dim} is not divisible by heads={self.heads}")
        if not 1 <= self.patch <= self.frames:
            raise ValueError(f"patch={self.patch} must be in 1..frames={self.frames}")
        if self.pool not in ("cls", "mean"):
            raise ValueError(f"pool must be 'cls' or 'mean', not {self.pool!r}")
        if self.stem not in ("dense", "conv"):
            raise ValueError(f"stem must be 'dense' or 'conv', not {self.stem!r}")
        if self.stem == "conv" and self.frames - 2 * (self.stem_kernel - 1) < 1:
            raise ValueError(f"stem_kernel={self.stem_kernel} is too long for {self.frames} frames")

    @property
    def tokens(self) -> int:
        """Number of tokens. Dense stem: frames beyond a whole number of patches are dropped; conv stem: the
        VALID convolutions' output length.

        >>> KWTConfig(patch=2).tokens, KWTConfig(patch=2, stem="conv").tokens
        (24, 23)
        """
        if self.stem == "conv":
            return (self.frames - 2 * (self.stem_kernel - 1) - 1) // self.patch + 1
        return self.frames // self.patch

    @property
    def seq(self) -> int:
        return self.tokens + (1 if self.pool == "cls" else 0)

    def describe(self) -> str:
        """
        >>> KWTConfig().describe()
        'KWT d=32 h=2 L=2 mlp=64 patch=1 (49 tokens, cls)'
        >>> KWTConfig(patch=2, stem="conv").describe()
        'KWT d=32 h=2 L=2 mlp=64 conv32x3/2 (23 tokens, cls)'
        """
        stem = (f"conv{self.stem_channels}x{self.stem_kernel}/{self.patch}" if self.stem == "conv"
                else f"patch={self.patch}")
        return (f"KWT d={self.dim} h={self.heads} L={self.blocks} mlp={self.mlp} {stem} "
                f"({self.tokens} tokens, {self.pool}{', cmn' if self.cmn else ''})")

    def _stem_params(self) -> int:
        if self.stem == "conv":
            c, k = self.stem_channels, self.stem_kernel
            return (k * self.feats * c + c) + (k * c * self.dim + self.dim)
        return self.patch * self.feats * self.dim + self.dim

    def _stem_macs(self) -> int:
        if self.stem == "conv":
            c, k = self.stem_channels, self.stem_kernel
            return (self.frames - k + 1) * k * self.feats * c + self.tokens * k * c * self.dim
        return self.tokens * self.patch * self.feats * self.dim

    def params(self) -> int:
        """Trainable parameters, computed without building the model.

        >>> KWTConfig(dim=32, heads=2, blocks=2, mlp=64).params()
        19404
        """
        d, m = self.dim, self.mlp
        n = self._stem_params()  # patch embedding
        n += self.seq * d + (d if self.pool == "cls" else 0)  # positions, class token
        block = 2 * d + (d * d + d) + 2 * d * d + (d * d + d) + 2 * d + (d * m + m) + (m * d + d)
        return n + self.blocks * block + 2 * d + d * self.classes + self.classes  # + final layer norm, classifier

    def macs(self) -> int:
        """Multiply-accumulates of the dense parts and attention for one inference.

        >>> KWTConfig(dim=32, heads=2, blocks=2, mlp=64, patch=7).macs()
        155328
        """
        d, m, s = self.dim, self.mlp, self.seq
        per_block = s * (4 * d * d + 2 * d * m) + 2 * s * s * d
        return self._stem_macs() + self.blocks * per_block + d * self.classes


def build_kwt(cfg: KWTConfig, name: str = "kwt") -> keras.Model:
    """Student transformer: (B, frames, feats) -> (B, classes) logits."""
    x = L.Input((cfg.frames, cfg.feats), name="mfcc")
    f = TimeMeanNorm(name="cmn")(x) if cfg.cmn else x
    if cfg.stem == "conv":
        t = L.Conv1D(cfg.stem_channels, cfg.stem_kernel, activation="relu", name="embed")(f)
        h = L.Conv1D(cfg.dim, cfg.stem_kernel, strides=cfg.patch, name="embed2")(t)
    else:
        t = Crop(cfg.tokens * cfg.patch, name="crop")(f)
        t = L.Reshape((cfg.tokens, cfg.patch * cfg.feats), name="patches")(t)
        h = L.Dense(cfg.dim, name="embed")(t)
    if cfg.pool == "cls":
        h = ClassToken(name="cls")(h)
    h = PositionEmbedding(name="pos")(h)
    for i in range(cfg.blocks):
        h = encoder_block(h, cfg.dim, cfg.heads, cfg.mlp, cfg.dropout, name=f"b{i}")
    h = LayerNorm(name="ln_out")(h)
    z = TakeToken(0, name="take_cls")(h) if cfg.pool == "cls" else L.GlobalAveragePooling1D(name="pool")(h)
    logits = L.Dense(cfg.classes, name="logits")(z)
    return keras.Model(x, logits, name=name)


# ---------------------------------------------------------------- KWS teacher
@dataclass(frozen=True)
class DSCNNConfig:
    """Depthwise-separable CNN teacher (the MLPerf Tiny KWS architecture, width configurable)."""

    frames: int = 49
    feats: int = 10
    classes: int = 12
    channels: int = 64
    blocks: int = 4
    dropout: float = 0.2

    def describe(self) -> str:
        """
        >>> DSCNNConfig().describe()
        'DS-CNN c=64 blocks=4'
        """
        return f"DS-CNN c={self.channels} blocks={self.blocks}"


def build_dscnn(cfg: DSCNNConfig, name: str = "dscnn") -> keras.Model:
    """Teacher: (B, frames, feats) -> (B, classes) logits."""
    x = L.Input((cfg.frames, cfg.feats), name="mfcc")
    h = L.Reshape((cfg.frames, cfg.feats, 1))(x)
    h = L.Conv2D(cfg.channels, (10, 4), strides=2, padding="same", use_bias=False)(h)
    h = L.ReLU()(L.BatchNormalization(momentum=0.9)(h))
    for _ in range(cfg.blocks):
        h = L.DepthwiseConv2D(3, padding="same", use_bias=False)(h)
        h = L.ReLU()(L.BatchNormalization(momentum=0.9)(h))
        h = L.Conv2D(cfg.channels, 1, use_bias=False)(h)
        h = L.ReLU()(L.BatchNormalization(momentum=0.9)(h))
    h = L.GlobalAveragePooling2D()(h)
    if cfg.dropout:
        h = L.Dropout(cfg.dropout)(h)
    return keras.Model(x, L.Dense(cfg.classes, name="logits")(h), name=name)


# ---------------------------------------------------------------- anomaly detection
@dataclass(frozen=True)
class TransformerAEConfig:
    """Tiny transformer autoencoder over a window of log-mel frames.

    Each frame is embedded to ``dim`` and mixed across frames by ``blocks``
    encoder blocks. Then the bottleneck:

    - ``"global"``: the frames are averaged into one vector, squeezed to
      ``latent`` values for the whole window, expanded back to ``dim``, added
      to learned decoder positions (one per frame) and decoded by
      ``decoder_blocks`` blocks: like the MLPerf dense AE, the whole window
      must pass through ``latent`` numbers, so frames that do not look normal
      are not reproduced;
    - ``"frame"``: ``latent`` values per frame (weaker: ``frames * latent``
      numbers get through).

    The output is the reconstruction (frames x mels); the anomaly score is the
    mean squared reconstruction error.
    """

    frames: int = 32
    mels: int = 64
    dim: int = 32
    heads: int = 2
    blocks: int = 1
    mlp: int = 64
    latent: int = 8
    bottleneck: str = "global"  # "global" or "frame"
    decoder_blocks: int = 1  # global bottleneck only
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.dim % self.heads:
            raise ValueError(f"dim={self.dim} is not divisible by heads={self.heads}")
        if self.bottleneck not in ("global", "frame"):
            raise ValueError(f"bottleneck must be 'global' or 'frame', not {self.bottleneck!r}")

    def describe(self) -> str:
        """
        >>> TransformerAEConfig().describe()
        'Transformer AE d=32 h=2 L=1+1 mlp=64 latent=8 global (32 frames x 64 mels)'
        """
        dec = f"+{self.decoder_blocks}" if self.bottleneck == "global" else ""
        return (f"Transformer AE d={self.dim} h={self.heads} L={self.blocks}{dec} mlp={self.mlp} latent={self.latent} "
                f"{self.bottleneck} ({self.frames} frames x {self.mels} mels)")


def build_transformer_ae(cfg: TransformerAEConfig, name: str = "tae") -> keras.Model:
    """Student: (B, frames, mels) -> (B, frames, mels) reconstruction."""
    x = L.Input((cfg.frames, cfg.mels), name="logmel")
    h = L.Dense(cfg.dim, name="embed")(x)
    h = PositionEmbedding(name="pos")(h)
    for i in range(cfg.blocks):
        h = encoder_block(h, cfg.dim, cfg.heads, cfg.mlp, cfg.dropout, name=f"b{i}")
    h = LayerNorm(name="ln_out")(h)
    if cfg.bottleneck == "frame":
        z = L.Dense(cfg.latent, activation="relu", name="latent")(h)
        h = L.Dense(cfg.dim, activation="relu", name="dec1")(z)
    else:
        z = L.Dense(cfg.latent, activation="relu", name="latent")(L.GlobalAveragePooling1D(name="pool")(h))
        h = L.Reshape((1, cfg.dim), name="expand")(L.Dense(cfg.dim, activation="relu", name="dec1")(z))
        h = PositionEmbedding(name="dec_pos", length=cfg.frames)(h)
        for i in range(cfg.decoder_blocks):
            h = encoder_block(h, cfg.dim, cfg.heads, cfg.mlp, cfg.dropout, name=f"d{i}")
        h = LayerNorm(name="ln_dec")(h)
    return keras.Model(x, L.Dense(cfg.mels, name="recon")(h), name=name)


@dataclass(frozen=True)
class DenseAEConfig:
    """Dense autoencoder teacher (the MLPerf Tiny AD architecture, sizes configurable)."""

    frames: int = 32
    mels: int = 64
    hidden: int = 128
    layers: int = 3
    latent: int = 8

    def describe(self) -> str:
        """
        >>> DenseAEConfig().describe()
        'Dense AE 3x128 latent=8'
        """
        return f"Dense AE {self.layers}x{self.hidden} latent={self.latent}"


def build_dense_ae(cfg: DenseAEConfig, name: str = "dae") -> keras.Model:
    """Teacher: (B, frames, mels) -> (B, frames, mels), flattened through dense layers."""
    x = L.Input((cfg.frames, cfg.mels), name="logmel")
    h = L.Flatten()(x)
    for i in range(cfg.layers):
        h = L.ReLU()(L.BatchNormalization(momentum=0.9)(L.Dense(cfg.hidden)(h)))
    h = L.ReLU()(L.BatchNormalization(momentum=0.9)(L.Dense(cfg.latent, name="latent")(h)))
    for i in range(cfg.layers):
        h = L.ReLU()(L.BatchNormalization(momentum=0.9)(L.Dense(cfg.hidden)(h)))
    h = L.Dense(cfg.frames * cfg.mels)(h)
    return keras.Model(x, L.Reshape((cfg.frames, cfg.mels))(h), name=name)


# ---------------------------------------------------------------- export helpers
def with_softmax(model: keras.Model) -> keras.Model:
    """The logits model followed by a softmax: what gets converted for KWS (int8 probabilities)."""
    return keras.Model(model.input, L.Softmax(name="probs")(model.output), name=model.name + "_probs")


def count_params(model: keras.Model) -> int:
    return int(sum(int(tf.size(w)) for w in model.trainable_weights))


def config_dict(cfg) -> dict:
    """A dataclass config as a plain dict, with its kind (for reports and metadata)."""
    return {"kind": type(cfg).__name__, **asdict(cfg)}


# ---------------------------------------------------------------- input normalization, folded at export
@dataclass(frozen=True)
class Normalization:
    """Per-feature standardization ``(x - mean) / std`` applied to features before training.

    It costs nothing on the device: :func:`fold_normalization` folds it into the first Dense layer (and, for
    autoencoders, the inverse into the last one), so the exported model takes raw features.
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def fit(cls, x, per_feature: bool = True) -> "Normalization":
        """From training features (N, T, F): per feature (last axis) or one scalar for all.

        >>> import numpy as np
        >>> n = Normalization.fit(np.array([[[0.0, 10.0], [2.0, 30.0]]]))
        >>> n.mean, n.std
        ((1.0, 20.0), (1.0, 10.0))
        >>> Normalization.fit(np.array([[[0.0, 4.0]]]), per_feature=False).mean
        (2.0,)
        """
        import numpy as np

        x = np.asarray(x, np.float64)
        axes = tuple(range(x.ndim - 1)) if per_feature else None
        mean, std = np.atleast_1d(x.mean(axis=axes)), np.atleast_1d(x.std(axis=axes))
        return cls(tuple(float(m) for m in mean), tuple(float(max(s, 1e-6)) for s in std))

    def apply(self, x):
        import numpy as np

        return ((np.asarray(x, np.float32) - np.float32(self.mean)) / np.float32(self.std)).astype(np.float32)


def fold_normalization(model: keras.Model, norm: Normalization, first: str = "embed",
                       last: str | None = None) -> keras.Model:
    """A copy of `model` taking raw features: `norm` folded into Dense `first` (whose input rows cycle over the
    features), and with `last` given, the output mapped back to raw units (``y * std + mean``). Behind a mean
    normalization layer ("cmn", :class:`TimeMeanNorm`) `first` sees ``(x - mean_t x) / std``: only the scale is
    folded there (the mean cancels)."""
    import numpy as np

    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    mean, std = np.asarray(norm.mean, np.float64), np.asarray(norm.std, np.float64)
    if any(isinstance(layer, TimeMeanNorm) for layer in clone.layers):
        assert last is None, "a mean-normalized input cannot be mapped back to raw units"
        mean = np.zeros_like(mean)
    layer = clone.get_layer(first)
    w, b = (np.asarray(v, np.float64) for v in layer.get_weights())
    shape = w.shape
    w = w.reshape(-1, shape[-1])  # a Conv1D kernel (k, in, out): rows (tap, input feature) cycle over features
    reps = w.shape[0] // len(mean) if len(mean) > 1 else w.shape[0]
    mu, sd = np.tile(mean, reps), np.tile(std, reps)
    # exact for a VALID convolution (every tap sees a real frame), not for one that pads with zeros
    assert getattr(layer, "padding", "valid") == "valid", f"{first}: cannot fold into a padded convolution"
    layer.set_weights([(w / sd[:, None]).reshape(shape).astype(np.float32), (b - (mu / sd) @ w).astype(np.float32)])
    if last is not None:
        layer = clone.get_layer(last)
        w, b = (np.asarray(v, np.float64) for v in layer.get_weights())
        reps = w.shape[1] // len(mean) if len(mean) > 1 else w.shape[1]
        mu, sd = np.tile(mean, reps), np.tile(std, reps)
        layer.set_weights([(w * sd[None, :]).astype(np.float32), (b * sd + mu).astype(np.float32)])
    return clone
