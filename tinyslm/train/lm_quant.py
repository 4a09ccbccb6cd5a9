"""The step function as an all-int8 .tflite, and running it with a KV cache (TFLM, the bit-exact oracle).

Conversion calibrates on real decoding states: for sampled documents and positions, the caches hold
the training model's own K/V rows for the earlier positions (zeros after), exactly what the step
model sees when it decodes that document.

The caches are int8 inputs the caller fills with the model's int8 ``k_new``/``v_new`` outputs, so
each cache input must be quantized exactly like the output written into it: after conversion,
:func:`tie_cache_quantization` sets every cache input's scale and zero point to those of its output
(in place in the flatbuffer; both TFLM and tinyslm's compiler derive every kernel parameter from
the tensors' quantization, so the model that runs is the one described). Unwritten rows then hold
that zero point: a real zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ._tf import tf
from .lm_models import LmConfig, StepWeights, input_names, input_shapes, output_names, step_fn


@dataclass(frozen=True)
class IoMap:
    """Where each named input/output sits in the .tflite, and its quantization."""

    inputs: dict[str, int]
    outputs: dict[str, int]
    in_quant: dict[str, tuple[float, int]]
    out_quant: dict[str, tuple[float, int]]

    def to_json(self) -> str:
        return json.dumps({"inputs": self.inputs, "outputs": self.outputs,
                           "in_quant": self.in_quant, "out_quant": self.out_quant})


def io_map(model: bytes) -> IoMap:
    """Names from the model's signature (tensor index -> position among the graph's inputs/outputs)."""
    import tflite

    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    graph_in = [g.Inputs(i) for i in range(g.InputsLength())]
    graph_out = [g.Outputs(i) for i in range(g.OutputsLength())]
    sig = m.SignatureDefs(0)

    def quant(t: int) -> tuple[float, int]:
        q = g.Tensors(t).Quantization()
        return float(q.Scale(0)), int(q.ZeroPoint(0))

    ins, outs, iq, oq = {}, {}, {}, {}
    for j in range(sig.InputsLength()):
        tm = sig.Inputs(j)
        name, t = tm.Name().decode(), tm.TensorIndex()
        ins[name], iq[name] = graph_in.index(t), quant(t)
    for j in range(sig.OutputsLength()):
        tm = sig.Outputs(j)
        name, t = tm.Name().decode(), tm.TensorIndex()
        outs[name], oq[name] = graph_out.index(t), quant(t)
    return IoMap(ins, outs, iq, oq)


def tie_cache_quantization(model: bytes, cfg: LmConfig) -> bytes:
    """Copy each ``kN_new``/``vN_new`` output's scale and zero point onto the ``kN``/``vN`` input."""
    import tflite

    buf = bytearray(model)
    m = tflite.Model.GetRootAsModel(buf, 0)
    g = m.Subgraphs(0)
    sig = m.SignatureDefs(0)
    by_in = {sig.Inputs(j).Name().decode(): sig.Inputs(j).TensorIndex() for j in range(sig.InputsLength())}
    by_out = {sig.Outputs(j).Name().decode(): sig.Outputs(j).TensorIndex() for j in range(sig.OutputsLength())}
    for name in input_names(cfg)[3:]:
        src = g.Tensors(by_out[f"{name}_new"]).Quantization()
        dst = g.Tensors(by_in[name]).Quantization()
        if dst.ScaleLength() != 1 or dst.ZeroPointLength() != 1 or src.ScaleLength() != 1:
            raise RuntimeError(f"cache tensor {name} is not per-tensor quantized")
        dst.ScaleAsNumpy()[0] = src.Scale(0)  # views into `buf`
        dst.ZeroPointAsNumpy()[0] = src.ZeroPoint(0)
    return bytes(buf)


def calibration_states(model, cfg: LmConfig, seqs: np.ndarray, lengths: np.ndarray, n: int,
                       seed: int = 0) -> list[dict[str, np.ndarray]]:
    """`n` step inputs at random positions of the given token sequences (deterministic)."""
    from .lm_models import probe_model, step_inputs

    probe = probe_model(model, cfg)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(seqs), size=min(n, len(seqs)), replace=len(seqs) < n)
    out = []
    for j in pick:
        ids = seqs[j : j + 1, : int(lengths[j])]
        res = probe(ids, training=False)
        pos = int(rng.integers(0, ids.shape[1]))
        caches = {}
        for i in range(cfg.layers):
            for kk, kv in enumerate("kv"):
                full = res[1 + 2 * i + kk].numpy()  # (1, H, T, Dh)
                c = np.zeros(input_shapes(cfg)[f"{kv}{i}"], np.float32)
                c[:, :, :pos] = full[:, :, :pos]
                caches[f"{kv}{i}"] = c
        out.append(step_inputs(cfg, int(ids[0, pos]), pos, caches))
    return out


def convert_step(sw: StepWeights, states: list[dict[str, np.ndarray]]) -> bytes:
    """All-int8 .tflite of the step function (batch 1), caches tied to the new rows' quantization."""
    cfg = sw.cfg
    step = step_fn(sw)
    shapes = input_shapes(cfg)
    names = input_names(cfg)
    spec = [tf.TensorSpec(shapes[n], tf.float32, name=n) for n in names]

    @tf.function(input_signature=spec)
    def serve(*args):
        return step(**dict(zip(names, args)))

    def rep() -> Iterable[dict[str, np.ndarray]]:
        for s in states:
            yield {n: s[n] for n in names}

    holder = tf.Module()
    holder.serve = serve
    conv = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], holder)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    model = bytes(conv.convert())
    io = io_map(model)
    if sorted(io.inputs) != sorted(names) or sorted(io.outputs) != sorted(output_names(cfg)):
        raise RuntimeError(f"unexpected signature: {io.inputs} / {io.outputs}")
    return tie_cache_quantization(model, cfg)


# ---------------------------------------------------------------- int8 decoding with TFLM
def quantize(x: np.ndarray, scale: float, zp: int) -> np.ndarray:
    return np.clip(np.round(np.asarray(x, np.float64) / scale) + zp, -128, 127).astype(np.int8)


class Int8Decoder:
    """Decodes with the int8 step model in TFLM, holding the int8 KV cache like the firmware does."""

    def __init__(self, model: bytes, cfg: LmConfig):
        from ..runners.oracle import Oracle

        self.cfg, self.io = cfg, io_map(model)
        self.oracle = Oracle(model)
        q = self.io.in_quant
        self.one = {n: int(quantize(1.0, *q[n])) for n in ("tok", "pos", "valid")}
        self.zero = {n: int(quantize(0.0, *q[n])) for n in ("tok", "pos", "valid")}
        self.reset()

    def reset(self) -> None:
        cfg, q = self.cfg, self.io.in_quant
        shapes = input_shapes(cfg)
        self.caches = {n: np.full(shapes[n], q[n][1], np.int8) for n in input_names(cfg)[3:]}
        self.pos = 0

    def inputs(self, token: int) -> list[np.ndarray]:
        cfg = self.cfg
        named = {}
        for n, size, hot in (("tok", cfg.vocab, [token]), ("pos", cfg.context, [self.pos]),
                             ("valid", cfg.context, list(range(self.pos)))):
            a = np.full((1, size), self.zero[n], np.int8)
            a[0, hot] = self.one[n]
            named[n] = a
        named.update(self.caches)
        arr: list[np.ndarray] = [None] * len(named)  # type: ignore[list-item]
        for n, a in named.items():
            arr[self.io.inputs[n]] = a
        return arr

    def step(self, token: int) -> np.ndarray:
        """int8 logits after feeding `token` at the current position; the cache rows are written."""
        if self.pos >= self.cfg.context:
            raise ValueError(f"the KV cache holds {self.cfg.context} positions")
        outs = self.oracle.run(self.inputs(token))
        for name in self.caches:
            self.caches[name][0, :, self.pos, :] = outs[self.io.outputs[f"{name}_new"]][0, :, 0, :]
        self.pos += 1
        return np.asarray(outs[self.io.outputs["logits"]]).reshape(-1).astype(np.int8)

    def logit_float(self, q: np.ndarray) -> np.ndarray:
        s, zp = self.io.out_quant["logits"]
        return (q.astype(np.float64) - zp) * s

    def doc_bits(self, ids: np.ndarray) -> float:
        """-log2 p of a document's tokens and its end: ids = [EOS, c1..cn] -> targets c1..cn, EOS."""
        self.reset()
        bits = 0.0
        targets = list(ids[1:]) + [0]
        for tok, tgt in zip(ids, targets):
            z = self.logit_float(self.step(int(tok)))
            z = z - z.max()
            bits += float((np.log(np.exp(z).sum()) - z[int(tgt)]) / np.log(2))
        return bits

    def greedy(self, prompt: list[int], n: int, tokens: int | None = None) -> tuple[list[int], list[np.ndarray]]:
        """Feed the prompt, then pick n tokens greedily (the largest logit among the first `tokens` ids, the
        lowest id on ties), feeding each back except the last (as tslm_gen_run); returns the tokens and every
        step's int8 logits."""
        tokens = tokens or self.cfg.vocab
        self.reset()
        logits = [self.step(t) for t in prompt]
        out: list[int] = []
        while len(out) < n:
            tok = int(np.argmax(logits[-1][:tokens]))
            out.append(tok)
            if len(out) == n or self.pos >= self.cfg.context:
                break
            logits.append(self.step(tok))
        return out, logits
