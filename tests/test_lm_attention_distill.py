"""Attention-map distillation of the LM student (tinyslm.train.lm): the probe's attention is the model's own,
the KL term is zero exactly when the maps agree, and training with it moves the student's attention
towards the teacher's (paired: same initial weights and batches, only attn_beta differs)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from tinyslm.data.tokenizer import CharTokenizer
from tinyslm.train._tf import keras, seed_everything, tf
from tinyslm.train.lm import (
    TeacherLogits,
    _batch_arrays,
    attention_kl,
    attention_layer_map,
    attention_log_probs,
    attention_probe,
    encode_docs,
    fit_lm,
)
from tinyslm.train.lm_models import LmConfig, build_lm

TOK = CharTokenizer("abcdefghijklmnopqrstuvwxyz .,?\n<>")
DOCS = ["> turn on the lamp.\n< ok, the lamp is on.", "> stop the fan.\n< ok, the fan is off.",
        "> play jazz in the attic.\n< playing jazz in the attic.", "> dim the desk lamp.\n< ok."] * 6


def test_layer_map_pairs_first_and_last():
    assert attention_layer_map(2, 3) == [(0, 0), (1, 2)]
    assert attention_layer_map(1, 3) == [(0, 2)]
    assert attention_layer_map(3, 5) == [(0, 0), (1, 2), (2, 4)]


def _maps(model, cfg, x):
    out = attention_probe(model, list(range(cfg.layers)))(x)
    return [attention_log_probs(out[1 + 2 * i], out[2 + 2 * i]) for i in range(cfg.layers)]


def test_probe_attention_is_the_models_and_kl_zero_only_when_equal():
    seed_everything(11)
    cfg = LmConfig(vocab=40, dim=16, layers=2, heads=2, mlp=32, context=64)
    a, b = build_lm(cfg, "a"), build_lm(cfg, "b")
    enc = encode_docs(TOK, DOCS[:4], cfg.context)
    x, _, w = _batch_arrays(enc, np.arange(4))
    # the probe's attention weights, applied to the model's own value heads, give the attention layer's output
    probe = attention_probe(a, [0])
    vh = keras.Model(a.input, [a.get_layer("b0_vh").output, a.get_layer("b0_att").output])(x)
    q, k = probe(x)[1:]
    lp, _ = attention_log_probs(q, k)
    got = tf.matmul(tf.exp(lp), vh[0]).numpy()
    assert np.abs(got - vh[1].numpy()).max() < 1e-5
    assert np.allclose(tf.reduce_sum(tf.exp(lp), -1).numpy(), 1.0, atol=1e-5)
    ws = tf.constant(w)
    (la0, al), _ = _maps(a, cfg, x)
    (lb0, _), _ = _maps(b, cfg, x)
    assert float(attention_kl(la0, la0, al, ws)) == pytest.approx(0.0, abs=1e-6)
    assert float(attention_kl(la0, lb0, al, ws)) > 1e-3
    # a one-head "teacher" is matched through the heads' average: still zero against itself
    avg = tf.math.log(tf.reduce_mean(tf.exp(la0), axis=1, keepdims=True))
    assert float(attention_kl(avg, la0, al, ws)) == pytest.approx(0.0, abs=1e-5)


def test_attention_term_moves_the_student_towards_the_teacher():
    """Paired: the same initial weights and batches, alpha 0 (no logit distillation), attn_beta 0 vs 5; the
    student trained with the term ends closer to the teacher's attention, and otherwise the term is inert
    (attn_beta 0 with the teacher passed equals no teacher at all, bit for bit)."""
    seed_everything(2)
    tcfg = LmConfig(vocab=40, dim=32, layers=3, heads=2, mlp=64, context=64)
    teacher = build_lm(tcfg, "teacher")
    enc = encode_docs(TOK, DOCS, tcfg.context)
    fit_lm(teacher, enc, enc, 2, 3e-3, 8, 9, say=lambda s: None)
    scfg = LmConfig(vocab=40, dim=16, layers=2, heads=2, mlp=32, context=64)
    seed_everything(3)
    student = build_lm(scfg, "student")
    init = student.get_weights()
    x, _, w = _batch_arrays(enc, np.arange(8))
    t_maps = _maps(teacher, tcfg, x)

    def distance() -> float:
        s_maps = _maps(student, scfg, x)
        return sum(float(attention_kl(t_maps[t][0], s_maps[s][0], t_maps[t][1], tf.constant(w)))
                   for s, t in attention_layer_map(2, 3))

    runs = {}
    for beta, teacher_arg in ((0.0, None), (0.0, teacher), (5.0, teacher)):
        student.set_weights(init)
        fit_lm(student, enc, enc, 4, 3e-3, 4, 4, teacher=teacher_arg, alpha=0.0, attn_beta=beta, say=lambda s: None)
        runs[(beta, teacher_arg is None)] = (distance(), student.get_weights())
    (d_none, w_none), (d_zero, w_zero), (d_attn, _) = runs[(0.0, True)], runs[(0.0, False)], runs[(5.0, False)]
    assert all(np.array_equal(p, q) for p, q in zip(w_none, w_zero)) and d_none == d_zero
    assert d_attn < 0.7 * d_none, (d_attn, d_none)
    with pytest.raises(ValueError, match="teacher model"):
        fit_lm(student, enc, enc, 1, 3e-3, 8, 4, teacher=TeacherLogits.compute(teacher, enc), alpha=0.5,
               attn_beta=1.0, say=lambda s: None)


def test_bits_by_certainty_add_up_to_the_models_bpc():
    """The study's breakdown of a model's bits: positions the teacher is sure of and the rest, adding up to the
    model's bits per character; a teacher measured against itself loses almost nothing where it is sure."""
    from tinyslm.train.lm import bpc
    from tinyslm.train.lm_study import bits_by_certainty

    seed_everything(4)
    cfg = LmConfig(vocab=40, dim=16, layers=1, heads=2, mlp=32, context=64)
    teacher, student = build_lm(cfg, "t"), build_lm(cfg, "s")
    enc = encode_docs(TOK, DOCS, cfg.context)
    fit_lm(teacher, enc, enc, 25, 1e-2, 8, 1, say=lambda s: None)
    tl = TeacherLogits.compute(teacher, enc)
    for model in (teacher, student):
        b = bits_by_certainty(model, enc, tl)
        assert b["determined"] + b["open"] == pytest.approx(bpc(model, enc), rel=1e-4)
    b = bits_by_certainty(teacher, enc, tl, p_min=0.8)
    assert 0.2 < b["determined_fraction"] < 1.0  # 4 documents learnt: many characters are certain, not all
    # where the teacher gives the truth p >= 0.8 it loses < -log2(0.8) bits per such character
    assert b["determined"] < -np.log2(0.8) * b["determined_fraction"] and b["open"] > b["determined"]


def test_pool_summarizes_one_setting_over_study_files(tmp_path):
    import json

    from tinyslm.train.lm_study import pooled

    def row(corpus, seed, gain_test, beta=0.0, alpha=0.5):
        return {"corpus": corpus, "seed": seed, "alpha": alpha, "temperature": 1.0, "attn_beta": beta,
                "gain_val": gain_test / 2, "gain_test": gain_test}

    (tmp_path / "a.json").write_text(json.dumps({"rows": [row("c1", 0, 0.004), row("c1", 1, -0.002),
                                                           row("c1", 0, 9.0, beta=1.0)]}))
    (tmp_path / "b.json").write_text(json.dumps({"rows": [row("c2", 0, 0.001), row("c2", 1, 5.0, alpha=0.9)]}))
    lines = pooled([tmp_path / "a.json", tmp_path / "b.json"], 0.5, 1.0, 0.0)
    assert [ln["corpus"] for ln in lines] == ["c1", "c2", "all"]
    c1, c2, every = lines
    assert c1["pairs"] == 2 and c1["test"]["gained"] == 1 and c1["test"]["mean"] == pytest.approx(0.001)
    assert c2["test"]["sd"] is None and every["pairs"] == 3 and every["seeds"] == [0, 1]
    assert every["test"]["min"] == pytest.approx(-0.002) and every["test"]["max"] == pytest.approx(0.004)
    assert every["test"]["sd"] == pytest.approx(np.std([0.004, -0.002, 0.001], ddof=1))
    assert every["val"]["mean"] == pytest.approx(0.001 / 2)
