"""Random valid TensorFlow graphs of the layers tinyslm compiles, as plain data (so they can be shrunk).

A :class:`Graph` holds its float input shapes and a list of :class:`Layer`; a value is referred to by its
index: graph inputs first, then one value per layer. Each layer draws its weights from its own seed, so
dropping or editing one layer leaves the others' weights unchanged. Shapes are found by running the layers
eagerly on zeros while generating (TensorFlow checks every combination), so every generated graph is valid.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

ACTS = (None, "relu", "relu6")


@dataclass
class Layer:
    kind: str
    inputs: list[int]
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0


@dataclass
class Graph:
    inputs: list[list[int]]  # float input shapes
    layers: list[Layer]
    outputs: list[int]  # value indices
    in_scale: list[float] = field(default_factory=list)  # representative data: N(offset, scale) per input
    in_offset: list[float] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @staticmethod
    def from_json(text: str) -> "Graph":
        d = json.loads(text)
        return Graph(d["inputs"], [Layer(**x) for x in d["layers"]], d["outputs"], d.get("in_scale", []),
                     d.get("in_offset", []))

    def summary(self) -> str:
        return " -> ".join(layer.kind for layer in self.layers)


def _w(seed: int, *shape: int, scale: float = 0.4) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def _act(tf, y, act: str | None):
    return {None: lambda v: v, "relu": tf.nn.relu, "relu6": tf.nn.relu6}[act](y)


def _layer_norm(tf, x, seed: int):
    d = int(x.shape[-1])
    mu = tf.reduce_mean(x, axis=-1, keepdims=True)
    c = x - mu
    var = tf.reduce_mean(c * c, axis=-1, keepdims=True)
    return c * tf.math.rsqrt(var + 1e-3) * (1 + _w(seed, d, scale=0.1)) + _w(seed + 1, d, scale=0.05)


def _check_window(layer: Layer, shape) -> None:
    """A window (pool, convolution) that does not fit a VALID input is refused here: TensorFlow's eager
    max_pool dies of SIGFPE on an empty output (seed 1, graph 215: a 3-wide pool over a width-1 input)."""
    p = layer.params
    if layer.kind not in ("pool", "conv", "dynconv", "depthwise") or p.get("padding") != "VALID":
        return
    kh, kw = (p["k"], p["k"]) if layer.kind == "pool" else (p["kh"], p["kw"])
    d = p.get("dilation", 1)
    for n, k in ((int(shape[1]), kh), (int(shape[2]), kw)):
        if n - (k - 1) * d <= 0:
            raise ValueError(f"{layer.kind}: a {kh}x{kw} window does not fit a {shape} input (VALID)")


def apply(tf, layer: Layer, args: list) -> Any:
    """The layer on TensorFlow tensors (eager or traced): its single output."""
    p, s, x = layer.params, layer.seed, args[0]
    k = layer.kind
    _check_window(layer, x.shape)
    if k == "conv":
        cin = int(x.shape[-1])
        w = _w(s, p["kh"], p["kw"], cin, p["cout"])
        y = tf.nn.conv2d(x, w, strides=p["stride"], padding=p["padding"], dilations=p["dilation"])
        return _act(tf, y + _w(s + 1, p["cout"], scale=0.1) if p["bias"] else y, p["act"])
    if k == "dynconv":  # the filter is a tensor computed in the graph from another value (not a constant)
        cin, src = int(x.shape[-1]), tf.reshape(args[1], (1, -1))
        n = p["kh"] * p["kw"] * cin * p["cout"]
        f = tf.tanh(tf.matmul(src, _w(s, int(src.shape[-1]), n)) if p["mix"] else src[:, :n])
        y = tf.nn.conv2d(x, tf.reshape(f, (p["kh"], p["kw"], cin, p["cout"])), strides=p["stride"],
                         padding=p["padding"])
        return _act(tf, y, p["act"])
    if k == "depthwise":
        cin = int(x.shape[-1])
        w = _w(s, p["kh"], p["kw"], cin, p["mult"])
        y = tf.nn.depthwise_conv2d(x, w, strides=[1, p["stride"], p["stride"], 1], padding=p["padding"],
                                   dilations=[p["dilation"], p["dilation"]])
        return _act(tf, y + _w(s + 1, cin * p["mult"], scale=0.1), p["act"])
    if k == "dense":
        if p["flatten"]:
            x = tf.reshape(x, (1, -1))
        y = tf.matmul(x, _w(s, int(x.shape[-1]), p["units"]))
        return _act(tf, y + _w(s + 1, p["units"], scale=0.1) if p["bias"] else y, p["act"])
    if k == "pool":
        f = tf.nn.avg_pool2d if p["avg"] else tf.nn.max_pool2d
        return f(x, ksize=p["k"], strides=p["stride"], padding=p["padding"])
    if k in ("add", "sub", "mul"):
        f = {"add": tf.add, "sub": tf.subtract, "mul": tf.multiply}[k]
        if p["other"] == "value":
            y = args[1]
        elif p["other"] == "self":
            y = x
        else:  # a constant broadcast along the axes whose flag is 0
            shape = [int(d) if keep else 1 for d, keep in zip(x.shape, p["keep"])]
            y = _w(s, *shape, scale=1.0)
        return _act(tf, f(x, y), p["act"])
    if k == "concat":
        return tf.concat([x, args[1]], axis=-1)
    if k == "reshape":
        return tf.reshape(x, p["shape"])
    if k == "softmax":
        return tf.nn.softmax(x * p["beta"] if p["beta"] != 1.0 else x)
    if k == "mean":
        return tf.reduce_mean(x, axis=p["axes"], keepdims=p["keepdims"])
    if k == "unary":
        return {"tanh": tf.tanh, "sigmoid": tf.sigmoid, "relu": tf.nn.relu, "relu6": tf.nn.relu6}[p["f"]](x)
    if k == "transformer":  # pre-norm encoder block: attention over axis 1, MLP, two residual adds
        t, d, h = int(x.shape[1]), int(x.shape[2]), p["heads"]
        dh = d // h
        a = _layer_norm(tf, x, s)
        q, kk, v = (tf.matmul(a, _w(s + 2 + i, d, d)) for i in range(3))
        split = lambda z: tf.transpose(tf.reshape(z, (1, t, h, dh)), (0, 2, 1, 3))  # noqa: E731
        att = tf.nn.softmax(tf.matmul(split(q), split(kk), transpose_b=True) * (1.0 / dh ** 0.5))
        o = tf.reshape(tf.transpose(tf.matmul(att, split(v)), (0, 2, 1, 3)), (1, t, d))
        x = x + tf.matmul(o, _w(s + 5, d, d)) + _w(s + 6, d, scale=0.05)
        m = tf.nn.relu(tf.matmul(_layer_norm(tf, x, s + 7), _w(s + 9, d, p["mlp"])) + _w(s + 10, p["mlp"], scale=0.05))
        return x + tf.matmul(m, _w(s + 11, p["mlp"], d, scale=0.2))
    raise ValueError(f"unknown layer kind {k}")


def build_fn(graph: Graph) -> Callable:
    """The graph as a function of float tensors (for tf.function and the converter)."""

    def fn(*xs):
        import tensorflow as tf

        values = list(xs)
        for layer in graph.layers:
            values.append(apply(tf, layer, [values[i] for i in layer.inputs]))
        outs = [values[i] for i in graph.outputs]
        return outs[0] if len(outs) == 1 else outs

    return fn


def shapes_of(graph: Graph) -> list[tuple[int, ...]] | None:
    """Every value's shape (running the graph eagerly on zeros), or None if TensorFlow refuses it."""
    import tensorflow as tf

    values = [tf.zeros(s) for s in graph.inputs]
    try:
        for layer in graph.layers:
            values.append(apply(tf, layer, [values[i] for i in layer.inputs]))
    except Exception:  # noqa: BLE001 - any TensorFlow refusal means: not a valid graph
        return None
    return [tuple(int(d) for d in v.shape) for v in values]


# ---------------------------------------------------------------------------------------------- generation

def _choice(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _propose(rng: np.random.Generator, shapes: list[tuple[int, ...]], n_inputs: int) -> Layer | None:
    """One random layer on random earlier values (may be invalid: the caller checks it with TensorFlow)."""
    i = len(shapes) - 1 if rng.random() < 0.6 else int(rng.integers(len(shapes)))  # mostly a chain
    x = shapes[i]
    r = len(x)
    seed = int(rng.integers(1 << 30))
    same = [j for j, s in enumerate(shapes) if s == x and j != i]
    if r == 4:
        kinds = ["conv"] * 5 + ["dynconv"] * 3 + ["depthwise"] * 3 + ["pool"] * 2 + ["add", "sub", "mul"] * 2 + \
                ["concat", "reshape", "softmax", "mean", "unary", "dense"]
    elif r == 3:
        kinds = ["dense"] * 3 + ["transformer"] * 2 + ["add", "sub", "mul", "concat", "reshape", "softmax", "mean",
                                                       "unary"]
    else:
        kinds = ["dense"] * 3 + ["add", "mul", "softmax", "unary"]
    k = _choice(rng, kinds)
    act = _choice(rng, ACTS)
    if k == "conv":
        kh, kw = (1, 1) if rng.random() < 0.35 else (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        dil = 1 if rng.random() < 0.7 else 2
        stride = 1 if dil > 1 or rng.random() < 0.6 else 2
        return Layer(k, [i], dict(kh=kh, kw=kw, cout=int(rng.integers(1, 13)), stride=stride, dilation=dil,
                                  padding=_choice(rng, ["SAME", "VALID"]), act=act, bias=bool(rng.random() < 0.8)),
                     seed)
    if k == "dynconv":
        kh = 1 if rng.random() < 0.7 else 3
        src = int(rng.integers(len(shapes)))
        need = kh * kh * x[-1] * int(np.prod(shapes[src]))
        cout = int(rng.integers(1, x[-1] + 3))
        mix = bool(int(np.prod(shapes[src])) < kh * kh * x[-1] * cout or rng.random() < 0.5)
        if need > 20000:
            return None
        return Layer(k, [i, src], dict(kh=kh, kw=kh, cout=cout, stride=1 if rng.random() < 0.8 else 2,
                                       padding=_choice(rng, ["SAME", "VALID"]), act=act, mix=mix), seed)
    if k == "depthwise":
        dil = 1 if rng.random() < 0.7 else 2
        return Layer(k, [i], dict(kh=int(rng.integers(1, 6)), kw=int(rng.integers(1, 6)),
                                  mult=int(_choice(rng, [1, 1, 2, 3])), stride=1 if dil > 1 or rng.random() < 0.6 else 2,
                                  dilation=dil, padding=_choice(rng, ["SAME", "VALID"]), act=act), seed)
    if k == "pool":
        return Layer(k, [i], dict(avg=bool(rng.random() < 0.5), k=int(rng.integers(1, 4)), stride=int(rng.integers(1, 3)),
                                  padding=_choice(rng, ["SAME", "VALID"])), seed)
    if k in ("add", "sub", "mul"):
        mode = _choice(rng, ["value", "value", "const", "const", "self"])
        if mode == "value":
            # broadcasting: another value of the same shape, or of a shape with some axes of size 1
            cands = same + [j for j, s in enumerate(shapes) if len(s) == r and s != x
                            and all(a == b or b == 1 for a, b in zip(x, s))]
            if not cands:
                mode = "const"
            else:
                return Layer(k, [i, _choice(rng, cands)], dict(other="value", act=act), seed)
        keep = [int(rng.random() < 0.5) for _ in x]
        return Layer(k, [i], dict(other=mode, keep=keep, act=act), seed)
    if k == "concat":
        cands = [j for j, s in enumerate(shapes) if len(s) == r and s[:-1] == x[:-1]]
        return Layer(k, [i, _choice(rng, cands)], {}, seed)
    if k == "reshape":
        if r == 4:
            shape = _choice(rng, [[1, x[1] * x[2], x[3]], [1, x[1], x[2] * x[3]], [1, x[1] * x[2] * x[3]]])
        else:
            shape = [1, x[1], 1, x[2]] if rng.random() < 0.6 else [1, int(np.prod(x))]
        return Layer(k, [i], dict(shape=shape), seed)
    if k == "softmax":
        return Layer(k, [i], dict(beta=float(_choice(rng, [1.0, 1.0, 0.5, 2.0]))), seed)
    if k == "mean":
        axes = [1, 2] if r == 4 and rng.random() < 0.5 else [r - 1] if rng.random() < 0.5 else [1]
        return Layer(k, [i], dict(axes=axes, keepdims=bool(rng.random() < 0.5)), seed)
    if k == "unary":
        return Layer(k, [i], dict(f=_choice(rng, ["tanh", "sigmoid", "relu", "relu6"])), seed)
    if k == "dense":
        flatten = r != 3 or rng.random() < 0.3
        if flatten and int(np.prod(x)) > 4096:
            return None
        return Layer(k, [i], dict(units=int(rng.integers(1, 33)), flatten=flatten, act=act,
                                  bias=bool(rng.random() < 0.8)), seed)
    if k == "transformer":
        heads = [h for h in (1, 2, 4) if x[2] % h == 0 and x[2] // h >= 2]
        if not heads or x[1] > 32 or x[2] > 64:
            return None
        return Layer(k, [i], dict(heads=_choice(rng, heads), mlp=int(rng.integers(4, 49))), seed)
    return None


def random_graph(rng: np.random.Generator, max_layers: int = 8) -> Graph:
    """A random valid graph: one image-like (1, H, W, C) or sequence (1, T, D) input, sometimes a second
    vector input, 1..max_layers layers, the last value (sometimes another one too) as outputs."""
    if rng.random() < 0.7:
        inputs = [[1, int(rng.integers(1, 13)), int(rng.integers(1, 13)), int(rng.integers(1, 13))]]
    else:
        inputs = [[1, int(rng.integers(2, 17)), int(_choice(rng, [4, 6, 8, 12, 16, 24]))]]
    if rng.random() < 0.25:
        inputs.append([1, int(rng.integers(2, 40))])
    g = Graph(inputs, [], [], [float(rng.uniform(0.3, 3.0)) for _ in inputs],
              [float(rng.uniform(-1.0, 1.0)) for _ in inputs])
    shapes = shapes_of(g) or []
    want = int(rng.integers(1, max_layers + 1))
    tries = 0
    while len(g.layers) < want and tries < 10 * max_layers:
        tries += 1
        layer = _propose(rng, shapes, len(inputs))
        if layer is None:
            continue
        g.layers.append(layer)
        new = shapes_of(g)
        if new is None or 0 in new[-1] or int(np.prod(new[-1])) > 8192:
            g.layers.pop()
            continue
        shapes = new
    if not g.layers:
        g.layers.append(Layer("unary", [0], dict(f="tanh"), 1))
        shapes = shapes_of(g) or []
    g.outputs = [len(shapes) - 1]
    spare = [j for j in range(len(inputs), len(shapes) - 1) if not any(j in L.inputs for L in g.layers)]
    if spare and rng.random() < 0.3:
        g.outputs.append(_choice(rng, spare))
    return prune(g)


def prune(g: Graph) -> Graph:
    """Drop layers no output depends on (renumbering the values); graph inputs are kept."""
    n_in = len(g.inputs)
    needed = set(g.outputs)
    for j in range(len(g.layers) - 1, -1, -1):
        if n_in + j in needed:
            needed.update(g.layers[j].inputs)
    keep = [j for j in range(len(g.layers)) if n_in + j in needed]
    used_in = [i for i in range(n_in) if i in needed]  # an unused input would not survive conversion
    remap = {i: k for k, i in enumerate(used_in)}
    for new, old in enumerate(keep):
        remap[n_in + old] = len(used_in) + new
    layers = [Layer(g.layers[j].kind, [remap[i] for i in g.layers[j].inputs], dict(g.layers[j].params),
                    g.layers[j].seed) for j in keep]
    pick = lambda v: [v[i] for i in used_in] if len(v) == n_in else list(v)  # noqa: E731
    return Graph(pick(g.inputs), layers, [remap[o] for o in g.outputs], pick(g.in_scale), pick(g.in_offset))
