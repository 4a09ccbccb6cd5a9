"""Language model: the step function with its KV cache equals the full model, converts to all-int8 with
tied cache quantization, and its C generation loop (firmware/app/tslm_generate.c) gives TFLM's logits
byte for byte at every step; the training task end to end on the quick profile."""

from __future__ import annotations

import numpy as np
import pytest

from tinyslm.data.tokenizer import CharTokenizer

tf_ = pytest.importorskip("tensorflow")

from tinyslm.train._tf import seed_everything, tf  # noqa: E402
from tinyslm.train.lm_models import (LmConfig, StepWeights, build_lm, empty_caches, step_fn,  # noqa: E402
                                     step_inputs)
from tinyslm.train.tflite_info import STUDENT_OPS, read_tflite  # noqa: E402

TOK = CharTokenizer("abcdefghijklmnopqrstuvwxyz .?\n<>")  # 32 chars + end of document


@pytest.fixture(scope="module")
def tiny():
    """A random-weight d=24 model, its int8 step model (calibrated on random documents)."""
    from tinyslm.train.lm_quant import calibration_states, convert_step

    seed_everything(3)
    cfg = LmConfig(vocab=40, dim=24, layers=2, heads=2, mlp=48, context=128)
    model = build_lm(cfg)
    rng = np.random.default_rng(0)
    seqs = rng.integers(1, TOK.vocab_size, (24, 129)).astype(np.int32)
    seqs[:, 0] = 0
    lengths = rng.integers(10, 128, 24)
    states = calibration_states(model, cfg, seqs, lengths, 32)
    return cfg, model, convert_step(StepWeights.from_model(model, cfg), states)


def test_step_function_with_cache_equals_full_model(tiny):
    cfg, model, _ = tiny
    ids = np.random.default_rng(1).integers(0, cfg.vocab, (1, 30)).astype(np.int32)
    full = model(ids).numpy()[0]
    step = step_fn(StepWeights.from_model(model, cfg))
    caches = empty_caches(cfg)
    worst = 0.0
    for p in range(ids.shape[1]):
        out = step(**{k: tf.constant(v) for k, v in step_inputs(cfg, int(ids[0, p]), p, caches).items()})
        for name in caches:
            caches[name][0, :, p, :] = out[f"{name}_new"].numpy()[0, :, 0, :]
        worst = max(worst, float(np.abs(out["logits"].numpy()[0] - full[p]).max()))
    assert worst < 1e-3


def test_int8_step_model_ops_and_tied_cache_quantization(tiny):
    from tinyslm.train.lm_quant import io_map

    cfg, _, mb = tiny
    info = read_tflite(mb)
    assert info.op_set <= STUDENT_OPS and "GATHER" not in info.op_set
    assert all(t.dtype == "int8" for t in info.inputs + info.outputs)
    io = io_map(mb)
    assert sorted(io.inputs) == ["k0", "k1", "pos", "tok", "v0", "v1", "valid"]
    for c in ("k0", "v0", "k1", "v1"):
        assert io.in_quant[c] == io.out_quant[c + "_new"]


def test_host_c_generation_equals_tflm_every_step(tiny, tmp_path):
    from tinyslm.train.lm_c import verify_generation

    cfg, _, mb = tiny
    prompts = ["hello", "a", "turn on the lamp", "what is it?\n< x", "zz"]
    ag = verify_generation(mb, cfg, TOK, prompts, 64, tmp_path / "gen")
    assert ag.steps == sum(len(p) + 1 + 63 for p in prompts)  # prompt (with its start token) + 63 fed back
    assert ag.ok, ag.first_mismatch
    # the same under ASan/UBSan, one prompt to the end of the context
    ag = verify_generation(mb, cfg, TOK, ["x" * 60], 67, tmp_path / "san", sanitize=True)
    assert ag.ok and ag.steps == 127


def test_sampler_top_k_and_seeds(tiny, tmp_path):
    from tinyslm.train.lm_c import GenRequest, build_host_generator, run_host_generator

    cfg, _, mb = tiny
    exe = build_host_generator(mb, cfg, TOK, tmp_path / "s")
    prompt = (0, *TOK.encode("the "))
    reqs = [GenRequest(prompt, 40, seed=s, temp_milli=1500, top_k=3) for s in (1, 1, 2)]
    reqs += [GenRequest(prompt, 40, seed=9, temp_milli=800, top_k=1), GenRequest(prompt, 40)]
    a, b, c, k1, greedy = run_host_generator(exe, cfg, reqs)
    assert a.tokens == b.tokens and a.tokens != c.tokens
    assert k1.tokens == greedy.tokens
    for r in (a, c):
        for j, t in enumerate(r.tokens):
            step_logits = r.logits[len(prompt) - 1 + j][: TOK.vocab_size]
            assert (step_logits > step_logits[t]).sum() < 3  # always one of the 3 largest
            assert t < TOK.vocab_size


@pytest.mark.slow
@pytest.mark.skipif(any(__import__("shutil").which(t) is None for t in ("qemu-system-arm", "arm-none-eabi-gcc")),
                    reason="needs qemu-system-arm and gcc-arm-none-eabi (installed by .ci/setup)")
def test_firmware_generation_in_qemu_equals_host(tiny, tmp_path):
    from tinyslm.device.emulator import emulator_for
    from tinyslm.device.protocol import DutClient
    from tinyslm.errors import DeviceError
    from tinyslm.train.lm_c import GenRequest, build_host_generator, run_host_generator
    from tinyslm.train.lm_device import build_lm_firmware, stream_generate

    cfg, _, mb = tiny
    fw = build_lm_firmware(mb, cfg, TOK, "mps2-an386", tmp_path / "fw")
    exe = build_host_generator(mb, cfg, TOK, tmp_path / "host")
    runs = [("hello", 0, 0, 0), ("a\nb", 5, 900, 5), ("turn on", 7, 1500, 0), ("x" * 100, 1, 700, 3)]
    host = run_host_generator(exe, cfg, [GenRequest((0, *TOK.encode(p)), 40, s, t, k, True) for p, s, t, k in runs])
    streamed: list[str] = []
    with emulator_for(fw.board, fw.elf) as emu, DutClient(emu.url, timeout=60) as client:
        client.sync()
        gens = [stream_generate(client, p, 40, s, t, k, on_char=streamed.append) for p, s, t, k in runs]
        with pytest.raises(DeviceError, match="not in the vocabulary"):
            stream_generate(client, "ABC", 4)
        assert client.command("tinyslm-gen 1 2", check=False).errors  # usage
        again = stream_generate(client, *runs[1][:1], 40, *runs[1][1:])  # still serving, same stream
    assert sum(len(h.tokens) for h in host) > 20  # something was generated
    for g, h in zip(gens, host):
        assert g.text == TOK.decode(h.tokens) and g.tokens == len(h.tokens)
        assert g.steps > 0 and g.ticks > 0
    assert "".join(streamed) == "".join(g.text for g in gens)
    assert again.text == gens[1].text
    # 101 prompt steps, then each token fed back until the end of the document or of the 128-row cache
    assert gens[3].steps == min(128, 101 + len(host[3].tokens))


@pytest.mark.slow
def test_paired_study_alpha_zero_is_the_student_alone(tmp_path):
    """Distilled with alpha 0 differs from alone only by the teacher: nothing. Same weights, same batches,
    so the same bits per character exactly; with alpha > 0 the teacher changes the result."""
    from tinyslm.data.lm_corpus import make_lm_corpus
    from tinyslm.train.lm import LmTrainConfig
    from tinyslm.train.lm_study import run_study

    make_lm_corpus(tmp_path / "c", "quick", 4)
    cfg = LmTrainConfig(student=LmConfig(40, dim=16, layers=1, heads=2, mlp=32), teacher_dim=16, teacher_layers=1,
                        teacher_mlp=32, teacher_epochs=1, student_epochs=1, train_docs=96, batch_size=16)
    res = run_study([tmp_path / "c"], 1, [0.0, 0.5], [1.0], cfg, say=lambda s: None)
    zero, half = res["rows"]
    assert zero["distilled_test"] == zero["alone_test"] and zero["gain_test"] == 0.0
    assert half["distilled_test"] != half["alone_test"] and half["alone_test"] == zero["alone_test"]
    assert [s["pairs"] for s in res["summary"]] == [1, 1]


def test_teacher_logits_computed_once_equal_the_teacher_in_any_batch():
    """Distillation gathers the teacher's logits computed once per training row: at every real position they
    are the teacher's on a batch of other rows and padding, and zero at padded positions."""
    from tinyslm.train.lm import TeacherLogits, _batch_arrays, encode_docs

    seed_everything(5)
    cfg = LmConfig(vocab=40, dim=16, layers=1, heads=2, mlp=32, context=16)
    teacher = build_lm(cfg)
    docs = ["turn on the lamp.", "hi", "what is the weather?", "a", "stop the printer now please."]
    enc = encode_docs(TOK, docs, cfg.context)
    assert len(enc) > len(docs)  # long documents are cut into rows
    tl = TeacherLogits.compute(teacher, enc, batch=2)
    assert tl.flat.shape == (enc.chars, cfg.vocab)
    idx = np.array([3, 0, 5])
    x, _, w = _batch_arrays(enc, idx)
    got, want = tl.batch(idx, x.shape[1]), teacher(x).numpy()
    real = w > 0
    assert not real.all() and np.abs(got[real] - want[real]).max() < 1e-4
    assert (got[~real] == 0).all() and np.abs(want[~real]).max() > 0
