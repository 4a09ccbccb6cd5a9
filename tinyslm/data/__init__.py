"""Datasets and features: synthetic keyword-spotting and machine-sound data, loaders for the
real folder layouts, and the reference feature frontend (whose maths the C frontend in
``firmware/frontend/`` repeats).

Keyword spotting::

    make_kws_dataset("data/kws", profile="default", seed=0)   # espeak-ng, Speech Commands layout
    data = load_kws("data/kws")                               # or a real Speech Commands folder
    fe = KwsFrontend()                                        # MLPerf Tiny MFCC, int8 (49, 10)
    x_train = fe(data.train.audio)                            # int8 (N, 49, 10); labels: data.train.labels

Anomaly detection::

    make_ad_dataset("data/ad", profile="default", seed=0)     # DCASE 2020 Task 2 layout
    ad = load_ad("data/ad")                                   # or DCASE / MIMII / ToyADMOS folders
    win = ad_windows(ad, AdFrontend())                        # int8 (N, 32, 64) windows + clip ids
"""

from .ad_synth import AD_PROFILES, AdProfile, make_ad_dataset
from .audio import read_wav, resample, to_float, to_int16, write_wav
from .dcase import AdClips, AdData, AdWindows, ad_windows, load_ad
from .frontend import (AdFrontend, Frontend, FrontendConfig, KwsFrontend, dequantize_features,
                       quantize_features)
from .kws_synth import KWS_PROFILES, KwsProfile, make_kws_dataset
from .output import SynthReport
from .speech_commands import CLASSES, KEYWORDS, SILENCE, UNKNOWN, KwsData, KwsSplit, load_kws

__all__ = [
    "AD_PROFILES", "AdClips", "AdData", "AdFrontend", "AdProfile", "AdWindows", "CLASSES", "Frontend",
    "FrontendConfig", "KEYWORDS", "KWS_PROFILES", "KwsData", "KwsFrontend", "KwsProfile", "KwsSplit", "SILENCE",
    "SynthReport", "UNKNOWN", "ad_windows", "dequantize_features", "load_ad", "load_kws", "make_ad_dataset",
    "make_kws_dataset", "quantize_features", "read_wav", "resample", "to_float", "to_int16", "write_wav",
]
