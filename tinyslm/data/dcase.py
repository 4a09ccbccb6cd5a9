"""Load machine-sound anomaly data in the DCASE 2020 Task 2, MIMII or ToyADMOS folder layouts.

Recognised layouts (ROOT may also be one machine's own folder):

* DCASE (2020 Task 2 and later): ``ROOT/<type>/train/*.wav`` (normal only) and
  ``ROOT/<type>/test/*.wav``; the label and machine are in the file name
  (``normal_id_00_00000000.wav``, ``anomaly_id_02_...``; ``section_00_..._anomaly_...``).
* MIMII: ``ROOT/<type>/id_XX/normal/*.wav`` and ``.../abnormal/*.wav`` (a
  ``-6_dB_fan/fan/id_00/...`` top level works too; multi-channel files keep `channel`).
* ToyADMOS: ``ROOT/<toy>/<case>/NormalSound_IND/*.wav`` and ``AnomalousSound_IND/*.wav``
  (one file per microphone: ``*_ch<N>_*`` keeps microphone `toy_channel`).

MIMII and ToyADMOS have no train/test split: per machine id, the test split gets
every anomalous clip and as many normal ones (a seeded draw), training the
remaining normal clips -- the MIMII baseline's protocol. In every layout a
fraction `val_fraction` of each id's training clips is held out as normal
validation data (for the anomaly threshold).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from .audio import read_wav, resample, to_int16, wav_info
from .frontend import AdFrontend, FrontendConfig

SAMPLE_RATE = 16000


@dataclass
class AdClips:
    audio: list[np.ndarray]  # int16 clips (n_i,), 16 kHz mono
    labels: np.ndarray  # int64 (N,): 0 normal, 1 anomalous
    ids: list[str]  # machine id per clip, e.g. "id_00"
    files: list[str]  # paths relative to the root

    def __len__(self) -> int:
        return len(self.audio)


@dataclass
class AdData:
    machine_type: str
    train: AdClips  # normal only
    val: AdClips  # normal only (held out from training)
    test: AdClips  # normal and anomalous
    root: Path
    layout: str  # "dcase", "mimii" or "toyadmos"
    source: str  # "tinyslm-synthetic" or "folder"
    info: dict = field(default_factory=dict)  # the generator's dataset.json, when present


@dataclass
class _Item:
    path: Path
    machine_type: str
    machine_id: str
    label: int
    split: str | None  # "train" / "test" when the layout says, else None


def _label_from_name(name: str) -> int | None:
    """
    >>> _label_from_name("anomaly_id_00_00000001.wav"), _label_from_name("section_00_source_test_normal_0001.wav")
    (1, 0)
    >>> _label_from_name("id_00_00000001.wav") is None
    True
    """
    low = name.lower()
    if "anomaly" in low or "abnormal" in low:
        return 1
    if "normal" in low:
        return 0
    return None


def _id_from_name(name: str) -> str:
    m = re.search(r"(id|section)_(\d+)", name)
    return f"{m.group(1)}_{m.group(2)}" if m else "id_00"


def _scan_dcase(root: Path) -> list[_Item]:
    items = []
    for split_dir in sorted(root.glob("train")) + sorted(root.glob("*/train")) + \
            sorted(root.glob("test")) + sorted(root.glob("*/test")):
        if not split_dir.is_dir():
            continue
        machine_dir = split_dir.parent
        mtype = machine_dir.name if machine_dir != root else root.name
        for wav in sorted(split_dir.glob("*.wav")):
            label = _label_from_name(wav.name)
            if label is None:
                raise DataError("a DCASE clip's name says neither normal nor anomaly (an unlabeled evaluation set?)",
                                where=str(wav), hint="use the development set, whose names start normal_/anomaly_")
            if split_dir.name == "train" and label == 1:
                raise DataError("the training folder holds an anomalous clip; training must be normal only",
                                where=str(wav), hint="move anomalous clips to test/")
            items.append(_Item(wav, mtype, _id_from_name(wav.name), label, split_dir.name))
    return items


def _scan_mimii(root: Path) -> list[_Item]:
    items = []
    for cls_dir in sorted(set(root.glob("**/id_*/normal")) | set(root.glob("**/id_*/abnormal"))):
        id_dir = cls_dir.parent
        mtype = id_dir.parent.name
        label = int(cls_dir.name == "abnormal")
        items += [_Item(w, mtype, id_dir.name, label, None) for w in sorted(cls_dir.glob("*.wav"))]
    return items


def _scan_toyadmos(root: Path, toy_channel: int) -> list[_Item]:
    items = []
    for cls_dir in sorted(set(root.glob("**/NormalSound_IND")) | set(root.glob("**/AnomalousSound_IND"))):
        case_dir = cls_dir.parent
        mtype = case_dir.parent.name
        label = int(cls_dir.name.startswith("Anomalous"))
        for w in sorted(cls_dir.glob("*.wav")):
            ch = re.search(r"_ch(\d+)", w.name)
            if ch and int(ch.group(1)) != toy_channel:
                continue
            items.append(_Item(w, mtype, case_dir.name, label, None))
    return items


def _assign_splits(items: list[_Item], seed: int) -> None:
    """MIMII/ToyADMOS: per id, all anomalies + as many normals to test, the other normals to train."""
    rng = np.random.default_rng(seed)
    for mid in sorted({i.machine_id for i in items}):
        mine = [i for i in items if i.machine_id == mid]
        normal = [i for i in mine if i.label == 0]
        n_anom = len(mine) - len(normal)
        n_test = min(n_anom, len(normal) // 2)
        test_idx = set(rng.permutation(len(normal))[:n_test].tolist())
        for k, it in enumerate(normal):
            it.split = "test" if k in test_idx else "train"
        for it in mine:
            if it.label == 1:
                it.split = "test"


def _read(path: Path, channel: int, allow_resample: bool) -> np.ndarray:
    rate, *_ = wav_info(path)
    if rate == SAMPLE_RATE:
        return read_wav(path, rate=SAMPLE_RATE, channel=channel)
    if not allow_resample:
        raise DataError(f"WAV sample rate is {rate} Hz, expected {SAMPLE_RATE} Hz", where=str(path),
                        hint="pass resample=True (CLI: --resample) to resample while loading, or resample the "
                        "folder (e.g. `sox IN -r 16000 OUT.wav`)")
    pcm = read_wav(path, rate=None, channel=channel)
    return to_int16(resample(pcm / 32768.0, rate, SAMPLE_RATE) * (32768.0 / 32767.0))


def load_ad(root: str | Path, machine_type: str | None = None, *, val_fraction: float = 0.1, channel: int = 0,
            toy_channel: int = 1, allow_resample: bool = False, seed: int = 0) -> AdData:
    """Normal training/validation clips and labelled test clips of one machine type (see the module docs)."""
    root = Path(root)
    if not root.is_dir():
        raise DataError("anomaly data folder does not exist" if not root.exists() else "not a folder",
                        where=str(root), hint="give a DCASE/MIMII/ToyADMOS folder, or run "
                        "`tinyslm data anomaly --out DIR`")
    layout, items = "dcase", _scan_dcase(root)
    if not items:
        layout, items = "mimii", _scan_mimii(root)
    if not items:
        layout, items = "toyadmos", _scan_toyadmos(root, toy_channel)
    if not items:
        raise DataError("no machine-sound clips found (no DCASE train/ test/, MIMII id_XX/normal/ or ToyADMOS "
                        "NormalSound_IND/ folders with .wav files)", where=str(root),
                        hint="generate one with `tinyslm data anomaly --out DIR`")
    types = sorted({i.machine_type for i in items})
    if machine_type is None:
        if len(types) > 1:
            raise DataError(f"the folder holds several machine types: {', '.join(types)}", where=str(root),
                            hint="choose one (machine_type=..., CLI --machine-type)")
        machine_type = types[0]
    if machine_type not in types:
        raise DataError(f"no clips of machine type {machine_type!r} (found {', '.join(types)})", where=str(root))
    items = [i for i in items if i.machine_type == machine_type]
    if layout != "dcase":
        _assign_splits(items, seed)
    train = [i for i in items if i.split == "train"]
    test = [i for i in items if i.split == "test"]
    if not train:
        raise DataError(f"no normal training clips for {machine_type}", where=str(root))
    if not test or not any(i.label for i in test) or all(i.label for i in test):
        raise DataError(f"the {machine_type} test clips need both normal and anomalous examples", where=str(root),
                        hint="DCASE: test/normal_*.wav and test/anomaly_*.wav; MIMII: normal/ and abnormal/")

    rng = np.random.default_rng(seed + 1)
    val = []
    for mid in sorted({i.machine_id for i in train}):
        mine = [i for i in train if i.machine_id == mid]
        k = int(round(len(mine) * val_fraction)) if len(mine) > 1 else 0
        val += [mine[j] for j in sorted(rng.permutation(len(mine))[:k])]
    val_set = {id(i) for i in val}
    train = [i for i in train if id(i) not in val_set]

    def pack(group: list[_Item]) -> AdClips:
        return AdClips([_read(i.path, channel, allow_resample) for i in group],
                       np.array([i.label for i in group], np.int64), [i.machine_id for i in group],
                       [str(i.path.relative_to(root)) for i in group])

    info_path = root / "dataset.json"
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    source = "tinyslm-synthetic" if info.get("generator") == "tinyslm.data.ad_synth" else "folder"
    return AdData(machine_type, pack(train), pack(val), pack(test), root, layout, source, info)


@dataclass
class AdWindows:
    """Model inputs cut from the clips: int8 (N, window_frames, mels) per split, with clip indices."""

    x_train: np.ndarray  # int8 (N, frames, mels), normal
    x_val: np.ndarray  # int8, normal
    x_test: np.ndarray  # int8
    y_test: np.ndarray  # int64 per test window: 0 normal, 1 anomalous
    train_groups: np.ndarray  # int64 clip index per window (into data.train)
    val_groups: np.ndarray
    test_groups: np.ndarray  # clip index per test window (into data.test); clip label = data.test.labels
    frontend: FrontendConfig

    def dequantized(self, x: np.ndarray) -> np.ndarray:
        """float32 features (what the trainer takes) from one of the int8 arrays."""
        return AdFrontend(self.frontend).dequantize(x)


def ad_windows(data: AdData, frontend: AdFrontend | None = None) -> AdWindows:
    """Features of every clip (int8, via the frontend) cut into overlapping windows."""
    fe = frontend or AdFrontend()

    def cut(clips: AdClips) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xs, ys, gs = [], [], []
        for k, pcm in enumerate(clips.audio):
            try:
                w = fe.windows(fe(pcm))
            except DataError as e:
                raise DataError(e.what, where=clips.files[k], hint=e.hint) from None
            xs.append(w)
            ys.append(np.full(len(w), clips.labels[k]))
            gs.append(np.full(len(w), k))
        if not xs:
            c = fe.config
            return (np.zeros((0, c.window_frames or 1, c.num_out), np.int8), np.zeros(0, np.int64),
                    np.zeros(0, np.int64))
        return np.concatenate(xs), np.concatenate(ys).astype(np.int64), np.concatenate(gs).astype(np.int64)

    x_tr, _, g_tr = cut(data.train)
    x_va, _, g_va = cut(data.val)
    x_te, y_te, g_te = cut(data.test)
    return AdWindows(x_tr, x_va, x_te, y_te, g_tr, g_va, g_te, fe.config)
