"""Text corpora for the language-model task: the generated dialogue corpus or the user's own text.

``make_lm_corpus(out, seed)`` samples documents from :func:`lm_grammar.dialogue_grammar` and writes

* ``train.txt``, ``val.txt``, ``test.txt``: one stream of documents (seed ``[seed, 0]``) split by
  document; ``test_fresh.txt``: documents from another stream (seed ``[seed, 1]``);
* ``logp_<split>.npy``: log2 p(document) of each document under the source (float64);
* ``corpus.json``: the splits' sizes, and the source's exact entropy rate (bits per character,
  counting one end-of-document symbol per document) and its bits per character on each split.

Documents are stored separated by one blank line (no document contains one).
``load_lm_corpus`` reads such a folder, or a plain text file (``--data corpus.txt``), whose
paragraphs (blank-line separated) are the documents: every 10th goes to validation, the next to test.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from . import lm_grammar as G
from .output import prepare_output_dir

SPLITS = ("train", "val", "test", "test_fresh")


@dataclass(frozen=True)
class LmProfile:
    train: int
    val: int
    test: int
    test_fresh: int


LM_PROFILES = {"quick": LmProfile(1500, 150, 150, 150), "default": LmProfile(20000, 1000, 1000, 1000)}


@dataclass
class LmCorpus:
    docs: dict[str, list[str]]
    source: dict | None = None  # generated corpora: the source's entropy figures
    logp: dict[str, np.ndarray] = field(default_factory=dict)  # log2 p(doc) per split (generated only)
    where: str = ""

    def source_bpc(self, split: str, n: int | None = None) -> float | None:
        """Bits per character of the true source on the first n documents of a split."""
        if split not in self.logp:
            return None
        docs = self.docs[split][:n]
        return float(-self.logp[split][: len(docs)].sum() / sum(len(d) + 1 for d in docs))


@dataclass
class LmCorpusReport:
    out_dir: Path
    counts: dict[str, int]
    entropy_rate: float
    seconds: float
    reused: bool


def _write_docs(path: Path, docs: list[str]) -> None:
    path.write_text("".join(d + "\n\n" for d in docs))


def _read_docs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [d.strip("\n") for d in text.split("\n\n") if d.strip("\n")]


def sample_docs(n: int, rng: np.random.Generator, grammar: G.Node | None = None) -> tuple[list[str], np.ndarray]:
    g = grammar or G.dialogue_grammar()
    out = [G.sample(g, rng) for _ in range(n)]
    return [t for t, _ in out], np.array([lp for _, lp in out], np.float64)


def source_figures() -> dict:
    g = G.dialogue_grammar()
    G.check_grammar(g)
    h, ell = G.entropy_bits(g), G.expected_chars(g)
    return {"grammar": "dialogue-v1", "entropy_bits_per_doc": h, "expected_chars_per_doc": ell,
            "entropy_rate_bpc": h / (ell + 1), "max_chars_per_doc": G.max_chars(g),
            "vocabulary_words": len(G.vocabulary(g))}


def make_lm_corpus(out_dir: Path, profile: str = "default", seed: int = 0, overwrite: bool = False) -> LmCorpusReport:
    if profile not in LM_PROFILES:
        raise DataError(f"unknown profile '{profile}'", hint=f"use one of {', '.join(LM_PROFILES)}")
    prof = LM_PROFILES[profile]
    out_dir = Path(out_dir)
    stamp = {"task": "lm", "profile": profile, "seed": seed, "grammar": "dialogue-v1"}
    t0 = time.time()
    src = source_figures()
    counts = {s: getattr(prof, s) for s in SPLITS}
    if prepare_output_dir(out_dir, stamp, overwrite):
        return LmCorpusReport(out_dir, counts, src["entropy_rate_bpc"], time.time() - t0, True)
    g = G.dialogue_grammar()
    main, lp = sample_docs(prof.train + prof.val + prof.test, np.random.default_rng([seed, 0]), g)
    fresh, lpf = sample_docs(prof.test_fresh, np.random.default_rng([seed, 1]), g)
    cut = np.cumsum([prof.train, prof.val])
    parts = {"train": (main[: cut[0]], lp[: cut[0]]), "val": (main[cut[0]:cut[1]], lp[cut[0]:cut[1]]),
             "test": (main[cut[1]:], lp[cut[1]:]), "test_fresh": (fresh, lpf)}
    info = dict(stamp, source=src, splits={})
    for name, (docs, logp) in parts.items():
        _write_docs(out_dir / f"{name}.txt", docs)
        np.save(out_dir / f"logp_{name}.npy", logp)
        info["splits"][name] = {"documents": len(docs), "chars": sum(len(d) + 1 for d in docs),
                                "source_bpc": float(-logp.sum() / sum(len(d) + 1 for d in docs))}
    (out_dir / "dataset.json").write_text(json.dumps(info, indent=1) + "\n")
    return LmCorpusReport(out_dir, counts, src["entropy_rate_bpc"], time.time() - t0, False)


def load_lm_corpus(path: Path) -> LmCorpus:
    path = Path(path)
    if path.is_file():
        return _load_text_file(path)
    info_path = path / "dataset.json"
    if not info_path.exists():
        raise DataError("not an LM corpus folder (no dataset.json)", where=str(path),
                        hint="write one with `tinyslm data lm --out DIR`, or pass a text file")
    info = json.loads(info_path.read_text())
    docs, logp = {}, {}
    for s in SPLITS:
        f = path / f"{s}.txt"
        if not f.exists():
            raise DataError(f"missing split file {f.name}", where=str(path), hint="regenerate the corpus")
        docs[s] = _read_docs(f)
        lp = path / f"logp_{s}.npy"
        if lp.exists():
            logp[s] = np.load(lp)
            if len(logp[s]) != len(docs[s]):
                raise DataError(f"{lp.name} has {len(logp[s])} entries for {len(docs[s])} documents",
                                where=str(path), hint="regenerate the corpus")
    return LmCorpus(docs, info.get("source"), logp, str(path))


def _load_text_file(path: Path) -> LmCorpus:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read the text file: {e}", where=str(path), hint="pass a UTF-8 text file") from None
    docs = [d.strip("\n") for d in text.replace("\r\n", "\n").split("\n\n") if d.strip()]
    if len(docs) < 10:
        raise DataError(f"the text has {len(docs)} paragraphs; at least 10 are needed to split it by document",
                        where=str(path), hint="separate documents with blank lines")
    split: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for i, d in enumerate(docs):
        split["val" if i % 10 == 8 else "test" if i % 10 == 9 else "train"].append(d)
    split["test_fresh"] = []
    return LmCorpus(split, None, {}, str(path))
