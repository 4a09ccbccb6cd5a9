"""Load a folder in the Speech Commands layout (the real dataset, or one tinyslm generated).

Layout::

    ROOT/<word>/<speaker>_nohash_<n>.wav     one folder per spoken word (16 kHz mono 16-bit, <= 1 s)
    ROOT/_silence_/*.wav                     optional noise-only clips (the v2 test archive and tinyslm have it)
    ROOT/_background_noise_/*.wav            long noise recordings
    ROOT/validation_list.txt                 relative paths of the validation clips
    ROOT/testing_list.txt                    relative paths of the test clips; the rest is training

Words map to the 12 classes of MLPerf Tiny keyword spotting in the order its
reference model outputs them (TensorFlow Datasets' ``speech_commands`` labels):
the ten keywords alphabetically, then ``_silence_``, then ``_unknown_``; every
other word folder is ``_unknown_``. Without a ``_silence_`` folder, silence
clips are cut from ``_background_noise_`` (1 s pieces, each assigned to a
split by a hash of its file and position, about one class's worth per split).
Without the list files, clips are split by a hash of the speaker id (the
Speech Commands README's rule: 10% validation, 10% test).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from .audio import fit_length, read_wav

KEYWORDS: tuple[str, ...] = ("down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes")
SILENCE = "_silence_"
UNKNOWN = "_unknown_"
CLASSES: tuple[str, ...] = KEYWORDS + (SILENCE, UNKNOWN)  # index = the MLPerf KWS model's output index
BACKGROUND = "_background_noise_"
SAMPLE_RATE = 16000
CLIP_SAMPLES = 16000
SPLITS: tuple[str, ...] = ("train", "val", "test")


def label_of(word: str) -> int:
    """Class index of a folder name.

    >>> label_of("down"), label_of("_silence_"), label_of("marvin"), label_of("_unknown_")
    (0, 10, 11, 11)
    """
    return CLASSES.index(word) if word in CLASSES else CLASSES.index(UNKNOWN)


def split_of(relpath: str, val_percent: int = 10, test_percent: int = 10) -> str:
    """The Speech Commands README's rule: hash the name without its ``_nohash_`` suffix.

    >>> split_of("yes/0a7c2a8d_nohash_0.wav") == split_of("no/0a7c2a8d_nohash_3.wav")
    True
    """
    base = re.sub(r"_nohash_.*$", "", Path(relpath).name)
    h = int(hashlib.sha1(base.encode()).hexdigest(), 16) % 100
    return "val" if h < val_percent else "test" if h < val_percent + test_percent else "train"


@dataclass
class KwsSplit:
    audio: np.ndarray  # int16 (N, 16000), clips zero-padded at the end
    labels: np.ndarray  # int64 (N,), indices into CLASSES
    files: list[str]  # relative paths; silence cut from background noise reads "<noise file>@<start sample>"

    def __len__(self) -> int:
        return len(self.labels)

    def counts(self) -> list[int]:
        return np.bincount(self.labels, minlength=len(CLASSES)).tolist()


@dataclass
class KwsData:
    train: KwsSplit
    val: KwsSplit
    test: KwsSplit
    root: Path
    source: str  # "tinyslm-synthetic" (dataset.json present) or "speech-commands-folder"
    classes: tuple[str, ...] = CLASSES
    info: dict = field(default_factory=dict)  # the generator's dataset.json, when present

    def split(self, name: str) -> KwsSplit:
        return {"train": self.train, "val": self.val, "test": self.test}[name]


def _word_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        raise DataError("data folder does not exist" if not root.exists() else "data path is not a folder",
                        where=str(root), hint="give a Speech Commands folder, or run `tinyslm data kws --out DIR`")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != BACKGROUND)
    stray = sorted(p.name for p in root.glob("*.wav"))
    if stray:
        raise DataError(f"{len(stray)} WAV files lie directly in the data folder (e.g. {stray[0]}); "
                        "each clip must be in a folder named for its word", where=str(root),
                        hint="move them into <word>/ folders (yes/, no/, ...)")
    if not folders:
        raise DataError("data folder is empty (no word folders)", where=str(root),
                        hint="expected <word>/*.wav folders, e.g. yes/ no/ up/ ...; "
                        "generate one with `tinyslm data kws --out DIR`")
    if not any(p.name in KEYWORDS for p in folders):
        raise DataError(f"no keyword folders: found {', '.join(p.name for p in folders[:8])}"
                        f"{' ...' if len(folders) > 8 else ''}", where=str(root),
                        hint=f"folder names must be the words, lower case: {', '.join(KEYWORDS)}")
    return folders


def _read_list(root: Path, name: str, known: set[str]) -> set[str] | None:
    path = root / name
    if not path.exists():
        return None
    entries = {line.strip() for line in path.read_text().splitlines() if line.strip()}
    missing = sorted(e for e in entries if e not in known)
    if missing:
        raise DataError(f"{name} lists {len(missing)} clips that are not in the folder (e.g. {missing[0]})",
                        where=str(path), hint="fix or delete the list (without it clips are split by speaker hash)")
    return entries


def _silence_from_background(root: Path, counts: dict[str, int], seed: int) -> dict[str, list[tuple[str, np.ndarray]]]:
    out: dict[str, list[tuple[str, np.ndarray]]] = {s: [] for s in SPLITS}
    bg = root / BACKGROUND
    files = sorted(bg.glob("*.wav")) if bg.is_dir() else []
    pieces: dict[str, list[tuple[str, np.ndarray]]] = {s: [] for s in SPLITS}
    for f in files:
        pcm = read_wav(f, rate=SAMPLE_RATE)
        for start in range(0, pcm.size - CLIP_SAMPLES + 1, CLIP_SAMPLES):
            tag = f"{BACKGROUND}/{f.name}@{start}"
            pieces[split_of(tag.replace("@", "_"))].append((tag, pcm[start:start + CLIP_SAMPLES]))
    rng = np.random.default_rng(seed)
    for s in SPLITS:
        take = min(counts[s], len(pieces[s]))
        for i in sorted(rng.permutation(len(pieces[s]))[:take]):
            tag, pcm = pieces[s][i]
            gain = rng.uniform(0.1, 1.0)
            out[s].append((tag, np.round(pcm * gain).astype(np.int16)))
    return out


def load_kws(root: str | Path, *, max_per_class: int | None = None, seed: int = 0,
             progress: bool = False) -> KwsData:
    """Read a Speech Commands folder into int16 arrays per split (see the module docs for the rules).

    `max_per_class`: keep at most this many clips per class and split (a deterministic sample).
    """
    root = Path(root)
    folders = _word_folders(root)
    clips: list[tuple[str, int]] = []  # (relative path, label)
    for folder in folders:
        label = label_of(folder.name)
        clips += [(f"{folder.name}/{p.name}", label) for p in sorted(folder.glob("*.wav"))]
    if not clips:
        raise DataError("the word folders hold no .wav files", where=str(root))
    if not any(label < len(KEYWORDS) for _, label in clips):
        raise DataError("the keyword folders hold no .wav files", where=str(root))
    known = {c for c, _ in clips}
    val_list = _read_list(root, "validation_list.txt", known)
    test_list = _read_list(root, "testing_list.txt", known)

    def which(rel: str) -> str:
        if val_list is None and test_list is None:
            return split_of(rel)
        return "val" if val_list and rel in val_list else "test" if test_list and rel in test_list else "train"

    chosen: dict[str, list[tuple[str, int]]] = {s: [] for s in SPLITS}
    for rel, label in clips:
        chosen[which(rel)].append((rel, label))
    rng = np.random.default_rng(seed)
    if max_per_class is not None:
        for s in SPLITS:
            keep = []
            for c in range(len(CLASSES)):
                items = [x for x in chosen[s] if x[1] == c]
                keep += [items[i] for i in sorted(rng.permutation(len(items))[:max_per_class])]
            chosen[s] = sorted(keep)

    total = sum(len(v) for v in chosen.values())
    bar = _progress(total, progress, "reading clips")
    splits: dict[str, tuple[list[np.ndarray], list[int], list[str]]] = {s: ([], [], []) for s in SPLITS}
    for s in SPLITS:
        audio, labels, files = splits[s]
        for rel, label in chosen[s]:
            audio.append(fit_length(read_wav(root / rel, rate=SAMPLE_RATE, max_samples=CLIP_SAMPLES), CLIP_SAMPLES))
            labels.append(label)
            files.append(rel)
            bar.update(1)
    bar.close()

    if not (root / SILENCE).is_dir():
        def class_size(labels: list[int]) -> int:  # mean size of the keyword classes present
            counts = np.bincount(labels, minlength=len(CLASSES))[:len(KEYWORDS)]
            return int(round(counts[counts > 0].mean())) if counts.any() else 0

        per_split = {s: class_size(splits[s][1]) for s in SPLITS}
        if max_per_class is not None:
            per_split = {s: min(n, max_per_class) for s, n in per_split.items()}
        for s, items in _silence_from_background(root, per_split, seed).items():
            for tag, pcm in items:
                splits[s][0].append(pcm)
                splits[s][1].append(label_of(SILENCE))
                splits[s][2].append(tag)

    def pack(s: str) -> KwsSplit:
        audio, labels, files = splits[s]
        arr = np.stack(audio) if audio else np.zeros((0, CLIP_SAMPLES), np.int16)
        return KwsSplit(arr.astype(np.int16), np.asarray(labels, np.int64), files)

    data = {s: pack(s) for s in SPLITS}
    if len(data["train"]) == 0 or len(data["test"]) == 0:
        empty = [s for s in SPLITS if len(data[s]) == 0]
        raise DataError(f"the {' and '.join(empty)} split{'s are' if len(empty) > 1 else ' is'} empty",
                        where=str(root), hint="check validation_list.txt / testing_list.txt")
    info_path = root / "dataset.json"
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    source = "tinyslm-synthetic" if info.get("generator") == "tinyslm.data.kws_synth" else "speech-commands-folder"
    return KwsData(data["train"], data["val"], data["test"], root, source, CLASSES, info)


def _progress(total: int, enabled: bool, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="clip", disable=not enabled, leave=False)
