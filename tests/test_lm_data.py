"""Language-model data: the dialogue grammar's exact entropy, the corpus folder, the tokenizer."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from tinyslm.cli import main
from tinyslm.data import lm_grammar as G
from tinyslm.data.lm_corpus import load_lm_corpus, make_lm_corpus, sample_docs
from tinyslm.data.tokenizer import EOS, CharTokenizer
from tinyslm.errors import DataError


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lm") / "quick"
    assert main(["data", "lm", "--out", str(out), "--profile", "quick", "--seed", "5"]) == 0
    return out


def test_exact_figures_of_a_small_grammar():
    # "a" (p 1/4) or "bb" (p 3/4), then "c" copied... by hand: H = -(1/4 log 1/4 + 3/4 log 3/4)
    b = G.Bind(G.Choice(((1.0, G.Lit("a")), (3.0, G.Lit("bb")))))
    g = G.seq(b, " ", G.Ref(b))
    h = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    assert G.entropy_bits(g) == pytest.approx(h)
    assert G.expected_chars(g) == pytest.approx(1 + 2 * (0.25 * 1 + 0.75 * 2))
    assert G.max_chars(g) == 5
    texts = {G.sample(g, np.random.default_rng(s)) for s in range(40)}
    assert texts == {("a a", math.log2(0.25)), ("bb bb", math.log2(0.75))}


def test_ambiguous_choice_is_refused():
    with pytest.raises(ValueError, match="ambiguous"):
        G.check_grammar(G.words("turn|turn on"))
    G.check_grammar(G.dialogue_grammar())


def test_entropy_rate_matches_sampling_and_each_text_has_one_probability():
    g = G.dialogue_grammar()
    texts, logp = sample_docs(6000, np.random.default_rng(11), g)
    # the exact entropy vs the sample mean of -log2 p(doc), within 4 standard errors
    bits = -logp
    assert abs(bits.mean() - G.entropy_bits(g)) < 4 * bits.std() / math.sqrt(len(bits))
    assert np.mean([len(t) for t in texts]) == pytest.approx(G.expected_chars(g), rel=0.02)
    assert max(len(t) for t in texts) <= G.max_chars(g) <= 126
    # a text reached by two derivations of different probability would show here
    seen: dict[str, set[float]] = defaultdict(set)
    for t, lp in zip(texts, logp):
        seen[t].add(round(float(lp), 9))
    assert len(seen) > 1000 and all(len(v) == 1 for v in seen.values())
    assert 200 <= len(G.vocabulary(g)) <= 1000


def test_corpus_folder(quick, tmp_path):
    c = load_lm_corpus(quick)
    assert {k: len(v) for k, v in c.docs.items()} == {"train": 1500, "val": 150, "test": 150, "test_fresh": 150}
    assert all("\n\n" not in d and d.startswith("> ") and "\n< " in d for d in c.docs["test"])
    assert not set(c.docs["test_fresh"]) >= set(c.docs["test"])  # another stream
    rate = c.source["entropy_rate_bpc"]
    assert 0.1 < rate < 1.0 and abs(c.source_bpc("test") - rate) < 0.05
    # same seed: same bytes; another seed: other documents
    again = tmp_path / "again"
    make_lm_corpus(again, "quick", 5)
    assert (again / "train.txt").read_bytes() == (quick / "train.txt").read_bytes()
    other = tmp_path / "other"
    make_lm_corpus(other, "quick", 6)
    assert (other / "train.txt").read_bytes() != (quick / "train.txt").read_bytes()


def test_text_file_and_errors(tmp_path, capsys):
    f = tmp_path / "corpus.txt"
    f.write_text("".join(f"paragraph {i}\nline two\n\n" for i in range(20)))
    c = load_lm_corpus(f)
    assert (len(c.docs["train"]), len(c.docs["val"]), len(c.docs["test"])) == (16, 2, 2)
    assert c.source is None and c.source_bpc("test") is None
    short = tmp_path / "short.txt"
    short.write_text("one\n\ntwo\n")
    with pytest.raises(DataError, match="at least 10"):
        load_lm_corpus(short)
    with pytest.raises(DataError, match="dataset.json"):
        load_lm_corpus(tmp_path)
    assert main(["data", "lm", "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err  # one message, no traceback


def test_tokenizer_roundtrip_and_table():
    tok = CharTokenizer.fit(["> hello?\n< \"ok\""])
    ids = tok.encode("hello?\n")
    assert ids.min() >= 1 and tok.decode(list(ids) + [EOS, 5]) == "hello?\n"
    assert CharTokenizer.from_json(tok.to_json()) == tok
    assert "\\012" in tok.c_table() and '\\042' in tok.c_table()  # newline and quote escaped
    with pytest.raises(DataError, match="not in the tokenizer"):
        tok.encode("x")
    with pytest.raises(DataError, match="distinct characters"):
        CharTokenizer.fit([bytes(range(1, 128)).decode() + "é"])
