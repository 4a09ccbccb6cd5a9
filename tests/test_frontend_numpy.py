"""The numpy reference frontend: MLPerf Tiny's TensorFlow maths, its quantization, and the shared
MLPerf KWS model answering on our features."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import SHARED_MODELS

from tinyslm.data import CLASSES, AdFrontend, FrontendConfig, KwsFrontend
from tinyslm.errors import DataError

RNG = np.random.default_rng(0)
T = np.arange(16000) / 16000


def _clips() -> np.ndarray:
    return np.stack([
        (RNG.standard_normal(16000) * 3000).astype(np.int16),                    # noise
        np.concatenate([np.zeros(8000), RNG.standard_normal(8000) * 300]).astype(np.int16),  # half silence
        (np.sin(2 * np.pi * 440 * T) * 20000).astype(np.int16),                  # tone
        np.where(np.sin(2 * np.pi * 300 * T) > 0, 32767, -32768).astype(np.int16),  # full-scale square
    ])


def _tf_mlperf_mfcc(tf, pcm: np.ndarray) -> np.ndarray:
    """mlcommons/tiny keyword_spotting get_dataset.py, feature_type 'mfcc', written with tf.signal."""
    wav = tf.cast(pcm, tf.float32)
    wav = wav / tf.reduce_max(wav)
    stfts = tf.signal.stft(wav, frame_length=480, frame_step=320, fft_length=None, window_fn=tf.signal.hann_window)
    spectrograms = tf.abs(stfts)
    mel = tf.signal.linear_to_mel_weight_matrix(40, spectrograms.shape[-1], 16000, 20.0, 4000.0)
    log_mel = tf.math.log(tf.tensordot(spectrograms, mel, 1) + 1e-6)
    return tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[..., :10].numpy()


def test_kws_mfcc_matches_the_mlperf_tensorflow_pipeline():
    tf = pytest.importorskip("tensorflow")
    fe = KwsFrontend()
    clips = _clips()
    ours = fe.float_features(clips)
    assert ours.shape == (4, 49, 10) and ours.dtype == np.float32
    for k, pcm in enumerate(clips):
        ref = _tf_mlperf_mfcc(tf, pcm)
        # float32 TF vs float64 numpy: agreement to float32 rounding, relative to the feature range
        assert np.abs(ref - ours[k]).max() < 0.01, k
        assert (fe.quantize(ref) == fe.quantize(ours[k])).mean() > 0.99


def test_peak_normalization_makes_kws_features_level_independent_but_not_ad():
    x = (RNG.standard_normal(16000) * 300).astype(np.int16)  # x * 8 still fits int16
    kws = KwsFrontend().float_features
    assert np.abs(kws(x) - kws(x * 8)).max() < 1e-3  # MLPerf divides each clip by its peak
    ad = AdFrontend().float_features
    louder = ad(x * 8) - ad(x)
    assert np.allclose(louder, 20 * np.log10(8), atol=0.05)  # log-mel in dB follows the level


def test_silence_and_clipping_stay_inside_the_int8_range():
    fe = KwsFrontend()
    silent = fe(np.zeros(16000, np.int16))
    assert silent.shape == (49, 10)
    # digital silence: c0 = sqrt(2/40) * 40 * ln(1e-6) = -123.5, the bottom of MLPerf's int8 range
    assert (silent[:, 0] == -128).all() and (silent[:, 1:] == 83).all()
    full = fe(_clips()[3])
    assert full.min() > -128 and full.max() < 127


def test_short_and_long_clips_are_padded_or_cut_like_mlperf():
    fe = KwsFrontend()
    x = (RNG.standard_normal(20000) * 1000).astype(np.int16)
    assert np.array_equal(fe(x), fe(x[:16000]))
    short = x[:12000]
    assert np.array_equal(fe(short), fe(np.concatenate([short, np.zeros(4000, np.int16)])))
    with pytest.raises(TypeError, match="int16"):
        fe(x.astype(np.float32))


def test_config_round_trips_through_json_and_rejects_nonsense():
    for cfg in (FrontendConfig.kws(), FrontendConfig.anomaly()):
        assert FrontendConfig.from_dict(json.loads(cfg.to_json())) == cfg
    assert FrontendConfig.kws().num_frames() == 49 and FrontendConfig.kws().num_out == 10
    with pytest.raises(ValueError, match="power of two"):
        FrontendConfig(kind="mfcc", fft_size=500)
    with pytest.raises(DataError, match="unknown fields"):
        FrontendConfig.from_dict({**FrontendConfig.kws().to_dict(), "preemphasis": 0.97})


def test_calibrated_quantizer_spans_the_data():
    fe = AdFrontend()
    x = fe.float_features((RNG.standard_normal(16000 * 3) * 3000).astype(np.int16))
    cal = fe.calibrated(x)
    q = cal.quantize(x)
    assert q.min() <= -120 and q.max() >= 120
    err = np.abs(cal.dequantize(q) - x)
    assert np.mean(err > cal.config.scale * 0.5001) < 0.002  # only the 0.05% tails saturate


KWS_MODEL = next((p for p in SHARED_MODELS if p.name == "mlperf_tiny_kws_ref_model.tflite"), None)


@pytest.mark.skipif(KWS_MODEL is None, reason="needs ../shared/models/mlperf_tiny_kws_ref_model.tflite")
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_the_mlperf_kws_model_understands_our_features_and_label_order():
    """The reference model (trained on real speech) runs on our int8 features: far above chance on
    synthetic speech, with the classes in the order our labels use."""
    litert = pytest.importorskip("ai_edge_litert.interpreter")
    from tinyslm.data.kws_synth import ClipTask, synth_clip

    per_class = 4
    labels = np.repeat(np.arange(len(CLASSES)), per_class)
    audio = np.stack([synth_clip(ClipTask("test", int(c), i, 11))[1] for c in range(len(CLASSES))
                      for i in range(per_class)])
    feats = KwsFrontend()(audio)
    it = litert.Interpreter(str(KWS_MODEL))
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    assert inp["quantization"][0] == pytest.approx(KwsFrontend().config.scale) and inp["quantization"][1] == 83
    pred = []
    for x in feats:
        it.set_tensor(inp["index"], x.reshape(1, 49, 10, 1))
        it.invoke()
        pred.append(int(it.get_tensor(out["index"])[0].argmax()))
    acc = float(np.mean(np.array(pred) == labels))
    assert acc > 0.25, acc  # chance is 1/12; real-speech model on espeak test voices and unseen noise
