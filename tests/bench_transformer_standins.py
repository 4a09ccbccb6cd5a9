"""The stand-ins for `tinyslm build`'s transformers that the Helium transformer kernels were measured on, written as
.tflite files: `PYTHONPATH=. python tests/bench_transformer_standins.py [OUT_DIR]` (default /tmp/transformer-standins),
then e.g. `tinyslm bench OUT_DIR/kwt24.tflite -b mps3-an547 --per-op --optimize speed --optimize size`.
kwt24: opzoo's KWT-style encoder with the KWS student's shapes (24 tokens of 48: 23 patches and a class token, four
heads of 12, MLP 96, two blocks; its LAYER_NORM and BATCH_MATMUL per-op counts on the base commit are those of
firmware/bench/results.json's KWS transformer); ad32: the same with 32 tokens and mean pooling (the anomaly
transformer's 32 rows of 48). Deterministic: seed 0 weights and converter calibration. Not a pytest module."""
import os
import pathlib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))

STANDINS = {"kwt24": dict(frames=46, feats=10, patch=2, d=48, heads=4, blocks=2, mlp=96),
            "ad32": dict(frames=64, feats=10, patch=2, d=48, heads=4, blocks=2, mlp=96, pool="mean")}


def main(out: pathlib.Path) -> None:
    import numpy as np
    import tensorflow as tf

    import opzoo
    from tinyslm.fuzz.convert import convert_fn

    out.mkdir(parents=True, exist_ok=True)
    for name, kw in STANDINS.items():
        fn, shapes = opzoo.transformer(**kw).build(tf, np.random.default_rng(0))
        (out / f"{name}.tflite").write_bytes(convert_fn(fn, shapes, "int8", 0))
        print(out / f"{name}.tflite")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/transformer-standins"))
