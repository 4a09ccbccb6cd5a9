"""Decoder-only character language models: the full-sequence training model and the one-token step
function with an explicit KV cache (what runs, all int8, on the microcontroller).

Training model (Keras, teacher and student alike)::

    ids (B, T) -> token embedding + learned position embedding -> L pre-norm blocks
    (LayerNorm, causal multi-head attention, ReLU MLP) -> LayerNorm -> Dense(V) logits (B, T, V)

Step function (plain TensorFlow on numpy weights, converted to an all-int8 .tflite)::

    inputs : tok (1, V) one-hot, pos (1, C) one-hot, valid (1, C) = 1 for cache rows j < pos,
             k0, v0, k1, v1, ... (1, H, C, Dh) the KV cache of each layer
    outputs: logits (1, V), k0_new, v0_new, ... (1, H, 1, Dh) the new rows

Embeddings are one-hot x matrix (FULLY_CONNECTED: tinyslm has no GATHER). Attention of the new
token over the cache is q.K_cache^T (masked with -MASK where valid is 0) and q.k_new, concatenated,
one softmax, then w_cache.V_cache + w_new.v_new: the cache is read in place, never copied or
concatenated inside the model, and the caller writes the new rows at row `pos` of its cache. Rows
not yet written must hold real zeros (the cache input's zero point), so a masked row contributes
nothing to the sum and exp(-MASK) to the softmax's denominator. Every op converts to int8 and is
one that tinyslm's compiler and TFLM run: FULLY_CONNECTED, BATCH_MATMUL, SOFTMAX, MEAN, RSQRT,
ADD, SUB, MUL, RESHAPE, TRANSPOSE, CONCATENATION, STRIDED_SLICE.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ._tf import keras, tf
from .models import LayerNorm

L = keras.layers
MASK = 16.0  # additive mask of cache rows not yet written (step model); exp(-16) * 128 < 2e-5


@dataclass(frozen=True)
class LmConfig:
    vocab: int
    dim: int = 64
    layers: int = 2
    heads: int = 4
    mlp: int = 256
    context: int = 128  # positions (the KV cache's rows)

    def __post_init__(self) -> None:
        if self.dim % self.heads:
            raise ValueError(f"dim {self.dim} is not a multiple of heads {self.heads}")

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads

    def params(self) -> int:
        d = self.dim
        block = 2 * 2 * d + (d * d + d) + 2 * d * d + (d * d + d) + (d * self.mlp + self.mlp) + (self.mlp * d + d)
        return self.vocab * d + self.context * d + self.layers * block + 2 * d + d * self.vocab + self.vocab

    def cache_bytes(self) -> int:
        """int8 KV cache of all layers."""
        return 2 * self.layers * self.context * self.dim

    def step_macs(self) -> int:
        d, c = self.dim, self.context
        per_layer = 4 * d * d + 2 * d * self.mlp + 2 * c * d + 2 * d
        return self.vocab * d + c * d + self.layers * per_layer + d * self.vocab

    def describe(self) -> str:
        return f"decoder d={self.dim}, {self.layers} layers, {self.heads} heads, mlp {self.mlp}, context {self.context}"

    def to_dict(self) -> dict:
        return dict(asdict(self), kind="lm")


@keras.utils.register_keras_serializable("tinyslm")
class CausalAttention(L.Layer):
    """softmax(q k^T / sqrt(Dh) + causal mask) v on (B, H, T, Dh) tensors (training model only)."""

    def call(self, inputs):
        q, k, v = inputs
        t = tf.shape(q)[2]
        scores = tf.matmul(q, k, transpose_b=True) * (1.0 / math.sqrt(int(q.shape[-1])))
        allowed = tf.linalg.band_part(tf.ones((t, t)), -1, 0)
        scores = scores + (allowed - 1.0) * 1e9
        return tf.matmul(tf.nn.softmax(scores, axis=-1), v)


@keras.utils.register_keras_serializable("tinyslm")
class SeqHeads(L.Layer):
    """(B, T, H*Dh) -> (B, H, T, Dh), any T (training model only)."""

    def __init__(self, heads: int, **kw):
        super().__init__(**kw)
        self.heads = heads

    def call(self, x):
        d = int(x.shape[-1])
        return tf.transpose(tf.reshape(x, (tf.shape(x)[0], -1, self.heads, d // self.heads)), (0, 2, 1, 3))

    def get_config(self):
        return {**super().get_config(), "heads": self.heads}


@keras.utils.register_keras_serializable("tinyslm")
class SeqMerge(L.Layer):
    """(B, H, T, Dh) -> (B, T, H*Dh)."""

    def call(self, x):
        return tf.reshape(tf.transpose(x, (0, 2, 1, 3)), (tf.shape(x)[0], -1, int(x.shape[1]) * int(x.shape[3])))


@keras.utils.register_keras_serializable("tinyslm")
class Positions(L.Layer):
    """x + table[:T] (learned positions, table of `context` rows)."""

    def __init__(self, context: int, **kw):
        super().__init__(**kw)
        self.context = context

    def build(self, input_shape):
        self.table = self.add_weight(name="table", shape=(self.context, int(input_shape[-1])),
                                     initializer=keras.initializers.TruncatedNormal(stddev=0.1))
        super().build(input_shape)

    def call(self, x):
        return x + self.table[None, : tf.shape(x)[1]]

    def get_config(self):
        return {**super().get_config(), "context": self.context}


def build_lm(cfg: LmConfig, name: str = "lm") -> keras.Model:
    """Full-sequence causal model: int32 ids (B, T<=context) -> logits (B, T, V)."""
    ids = L.Input((None,), dtype="int32", name="ids")
    h = L.Embedding(cfg.vocab, cfg.dim, embeddings_initializer=keras.initializers.TruncatedNormal(stddev=0.5),
                    name="tok_embed")(ids)
    h = Positions(cfg.context, name="pos_embed")(h)
    for i in range(cfg.layers):
        n = f"b{i}"
        a = LayerNorm(name=f"{n}_ln1")(h)
        q = SeqHeads(cfg.heads, name=f"{n}_qh")(L.Dense(cfg.dim, name=f"{n}_q")(a))
        k = SeqHeads(cfg.heads, name=f"{n}_kh")(L.Dense(cfg.dim, use_bias=False, name=f"{n}_k")(a))
        v = SeqHeads(cfg.heads, name=f"{n}_vh")(L.Dense(cfg.dim, use_bias=False, name=f"{n}_v")(a))
        o = SeqMerge(name=f"{n}_merge")(CausalAttention(name=f"{n}_att")([q, k, v]))
        h = L.Add(name=f"{n}_res1")([h, L.Dense(cfg.dim, name=f"{n}_o")(o)])
        m = L.Dense(cfg.mlp, activation="relu", name=f"{n}_mlp1")(LayerNorm(name=f"{n}_ln2")(h))
        h = L.Add(name=f"{n}_res2")([h, L.Dense(cfg.dim, name=f"{n}_mlp2")(m)])
    h = LayerNorm(name="ln_f")(h)
    logits = L.Dense(cfg.vocab, name="head")(h)
    return keras.Model(ids, logits, name=name)


def probe_model(model: keras.Model, cfg: LmConfig) -> keras.Model:
    """The training model's logits plus each block's K and V heads (B, H, T, Dh): the caches' contents."""
    outs = [model.output]
    for i in range(cfg.layers):
        outs += [model.get_layer(f"b{i}_kh").output, model.get_layer(f"b{i}_vh").output]
    return keras.Model(model.input, outs)


# ---------------------------------------------------------------- the step function
@dataclass
class StepWeights:
    """Numpy weights of a training model, arranged for the step function."""

    cfg: LmConfig
    w: dict[str, np.ndarray]

    @classmethod
    def from_model(cls, model: keras.Model, cfg: LmConfig) -> "StepWeights":
        w = {"tok": model.get_layer("tok_embed").get_weights()[0],
             "pos": model.get_layer("pos_embed").get_weights()[0]}
        for layer in model.layers:
            if isinstance(layer, (L.Dense, LayerNorm)):
                for var, val in zip(layer.weights, layer.get_weights()):
                    w[f"{layer.name}/{var.name.split('/')[-1].split(':')[0]}"] = val
        scale = 1.0 / math.sqrt(cfg.head_dim)  # folded into the query projection
        for i in range(cfg.layers):
            w[f"b{i}_q/kernel"] = w[f"b{i}_q/kernel"] * scale
            w[f"b{i}_q/bias"] = w[f"b{i}_q/bias"] * scale
        return cls(cfg, {k: np.asarray(v, np.float32) for k, v in w.items()})


def input_names(cfg: LmConfig) -> list[str]:
    return ["tok", "pos", "valid"] + [f"{kv}{i}" for i in range(cfg.layers) for kv in "kv"]


def output_names(cfg: LmConfig) -> list[str]:
    return ["logits"] + [f"{kv}{i}_new" for i in range(cfg.layers) for kv in "kv"]


def input_shapes(cfg: LmConfig) -> dict[str, tuple[int, ...]]:
    cache = (1, cfg.heads, cfg.context, cfg.head_dim)
    return {"tok": (1, cfg.vocab), "pos": (1, cfg.context), "valid": (1, cfg.context),
            **{f"{kv}{i}": cache for i in range(cfg.layers) for kv in "kv"}}


def _layer_norm(x, w: dict, name: str, eps: float = 1e-3):
    mu = tf.reduce_mean(x, axis=-1, keepdims=True)
    d = x - mu
    var = tf.reduce_mean(d * d, axis=-1, keepdims=True)
    return d * tf.math.rsqrt(var + eps) * w[f"{name}/gamma"] + w[f"{name}/beta"]


def _dense(x, w: dict, name: str, relu: bool = False):
    y = tf.matmul(x, w[f"{name}/kernel"])
    if f"{name}/bias" in w:
        y = y + w[f"{name}/bias"]
    return tf.nn.relu(y) if relu else y


def step_fn(sw: StepWeights):
    """A Python function of the named inputs (tf tensors) returning the named outputs (a dict)."""
    cfg, w = sw.cfg, {k: tf.constant(v) for k, v in sw.w.items()}
    h_, c, dh = cfg.heads, cfg.context, cfg.head_dim

    def heads(x):  # (1, d) -> (1, H, 1, Dh)
        return tf.transpose(tf.reshape(x, (1, 1, h_, dh)), (0, 2, 1, 3))

    def step(**inp):
        x = tf.matmul(inp["tok"], w["tok"]) + tf.matmul(inp["pos"], w["pos"])
        mask = tf.reshape((inp["valid"] - 1.0) * MASK, (1, 1, 1, c))
        out = {}
        for i in range(cfg.layers):
            n = f"b{i}"
            a = _layer_norm(x, w, f"{n}_ln1")
            q, k, v = heads(_dense(a, w, f"{n}_q")), heads(_dense(a, w, f"{n}_k")), heads(_dense(a, w, f"{n}_v"))
            s_cache = tf.matmul(q, inp[f"k{i}"], transpose_b=True) + mask  # (1, H, 1, C)
            s_new = tf.matmul(q, k, transpose_b=True)  # (1, H, 1, 1)
            p = tf.nn.softmax(tf.concat([s_cache, s_new], axis=-1), axis=-1)
            o = tf.matmul(p[..., :c], inp[f"v{i}"]) + tf.matmul(p[..., c:], v)  # (1, H, 1, Dh)
            o = tf.reshape(tf.transpose(o, (0, 2, 1, 3)), (1, cfg.dim))
            x = x + _dense(o, w, f"{n}_o")
            x = x + _dense(_dense(_layer_norm(x, w, f"{n}_ln2"), w, f"{n}_mlp1", relu=True), w, f"{n}_mlp2")
            out[f"k{i}_new"], out[f"v{i}_new"] = k, v
        out["logits"] = _dense(_layer_norm(x, w, "ln_f"), w, "head")
        return out

    return step


def step_inputs(cfg: LmConfig, token: int, pos: int, caches: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Float inputs of one step (one-hots, valid rows, the caches as they are)."""
    tok = np.zeros((1, cfg.vocab), np.float32)
    tok[0, token] = 1.0
    p = np.zeros((1, cfg.context), np.float32)
    p[0, pos] = 1.0
    valid = (np.arange(cfg.context) < pos).astype(np.float32)[None]
    return {"tok": tok, "pos": p, "valid": valid, **caches}


def empty_caches(cfg: LmConfig, dtype=np.float32, fill: float | dict[str, int] = 0) -> dict[str, np.ndarray]:
    shapes = input_shapes(cfg)
    names = [n for n in input_names(cfg)[3:]]
    return {n: np.full(shapes[n], fill[n] if isinstance(fill, dict) else fill, dtype) for n in names}
