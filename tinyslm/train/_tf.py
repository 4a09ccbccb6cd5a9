"""TensorFlow and Keras 2 (tf-keras), set up once for everything in tinyslm.train.

tensorflow-model-optimization only works with the Keras 2 API, so every model
here is built with ``tf_keras`` (never Keras 3's ``tf.keras``). Importing this
module quiets TensorFlow's C++ logging and, when TensorFlow is not running yet,
limits it to ``TINYSLM_TF_THREADS`` threads (default 2).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402


def _limit_threads() -> None:
    n = int(os.environ.get("TINYSLM_TF_THREADS", "2"))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:  # the runtime already started (another module used TF first): keep its setting
        pass


_limit_threads()


def seed_everything(seed: int) -> None:
    """Python, numpy and TensorFlow seeds, and deterministic TF ops."""
    keras.utils.set_random_seed(int(seed))
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception:  # pragma: no cover - very old TF
        pass


__all__ = ["keras", "seed_everything", "tf"]
