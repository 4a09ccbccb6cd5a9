"""A probabilistic grammar of smart-home dialogues whose entropy is known exactly.

A document is one exchange: a user request (``> ...``) and the device's reply
(``< ...``), e.g.::

    > turn off the desk lamp in the attic.
    < ok, the desk lamp in the attic is off.

The grammar is a tree of four node kinds: :class:`Lit` (fixed text),
:class:`Choice` (weighted alternatives), :class:`Seq` (independent parts in
order) and :class:`Bind`/:class:`Ref` (a value drawn once and repeated later:
the device echoes the room, the appliance, the number...). Sampling a document
also returns log2 of its probability.

Because every choice's alternatives begin with different text that no other
alternative of that choice can begin with (checked by :func:`check_grammar`), a
document's text determines its derivation, so p(text) = p(derivation) and

* ``H(doc)`` = sum over choices of the entropy of the choice, weighted by the
  probability of reaching it (a :class:`Ref` adds nothing: it is determined),
* ``E[len]`` = the expected number of characters, both computed exactly by
  :func:`entropy_bits` and :func:`expected_chars`.

Documents are independent, each followed by one end-of-document symbol, so the
source's entropy rate per character is exactly ``H(doc) / (E[len] + 1)``: no
model of this text can do better in expectation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class Choice:
    alts: tuple[tuple[float, "Node"], ...]

    @property
    def probs(self) -> np.ndarray:
        w = np.array([a[0] for a in self.alts], np.float64)
        return w / w.sum()


@dataclass(frozen=True)
class Seq:
    parts: tuple["Node", ...]


@dataclass(frozen=True, eq=False)
class Bind:
    node: "Node"
    name: str = ""


@dataclass(frozen=True)
class Ref:
    bind: Bind


Node = Lit | Choice | Seq | Bind | Ref


def words(text: str, weights: list[float] | None = None) -> Choice:
    """A uniform (or weighted) choice among the '|'-separated words of `text`."""
    ws = [w for w in text.split("|")]
    weights = weights or [1.0] * len(ws)
    return Choice(tuple((p, Lit(w)) for p, w in zip(weights, ws)))


def seq(*parts: Node | str) -> Seq:
    return Seq(tuple(Lit(p) if isinstance(p, str) else p for p in parts))


# ---------------------------------------------------------------- sampling
@dataclass
class _State:
    rng: np.random.Generator
    bound: dict[int, str] = field(default_factory=dict)
    log2p: float = 0.0


def _sample(node: Node, st: _State, out: list[str]) -> None:
    if isinstance(node, Lit):
        out.append(node.text)
    elif isinstance(node, Seq):
        for p in node.parts:
            _sample(p, st, out)
    elif isinstance(node, Choice):
        probs = node.probs
        k = int(st.rng.choice(len(probs), p=probs))
        st.log2p += math.log2(probs[k])
        _sample(node.alts[k][1], st, out)
    elif isinstance(node, Bind):
        sub: list[str] = []
        _sample(node.node, st, sub)
        st.bound[id(node)] = "".join(sub)
        out.extend(sub)
    elif isinstance(node, Ref):
        out.append(st.bound[id(node.bind)])
    else:  # pragma: no cover
        raise TypeError(node)


def sample(node: Node, rng: np.random.Generator) -> tuple[str, float]:
    """One document and log2 of its probability."""
    st = _State(rng)
    out: list[str] = []
    _sample(node, st, out)
    return "".join(out), st.log2p


# ---------------------------------------------------------------- exact figures
def entropy_bits(node: Node) -> float:
    """H(derivation) in bits, exactly (equal to H(text) for a grammar that passes check_grammar)."""
    if isinstance(node, (Lit, Ref)):
        return 0.0
    if isinstance(node, Seq):
        return sum(entropy_bits(p) for p in node.parts)
    if isinstance(node, Bind):
        return entropy_bits(node.node)
    probs = node.probs
    return float(-(probs * np.log2(probs)).sum() + sum(p * entropy_bits(a[1]) for p, a in zip(probs, node.alts)))


def expected_chars(node: Node) -> float:
    if isinstance(node, Lit):
        return float(len(node.text))
    if isinstance(node, Ref):
        return expected_chars(node.bind.node)
    if isinstance(node, Seq):
        return sum(expected_chars(p) for p in node.parts)
    if isinstance(node, Bind):
        return expected_chars(node.node)
    return float(sum(p * expected_chars(a[1]) for p, a in zip(node.probs, node.alts)))


def max_chars(node: Node) -> int:
    if isinstance(node, Lit):
        return len(node.text)
    if isinstance(node, Ref):
        return max_chars(node.bind.node)
    if isinstance(node, Seq):
        return sum(max_chars(p) for p in node.parts)
    if isinstance(node, Bind):
        return max_chars(node.node)
    return max(max_chars(a[1]) for a in node.alts)


def _first_words(node: Node) -> set[str]:
    """Every possible first word (text up to the first space or punctuation) of the node's expansions."""
    if isinstance(node, Lit):
        return {_word(node.text)} if node.text else {""}
    if isinstance(node, Ref):
        return _first_words(node.bind.node)
    if isinstance(node, Bind):
        return _first_words(node.node)
    if isinstance(node, Choice):
        return set().union(*(_first_words(a[1]) for a in node.alts))
    return _first_words(node.parts[0])


def _word(text: str) -> str:
    for i, c in enumerate(text):
        if not (c.isalnum() or c == "'"):
            return text[: max(i, 1)]
    return text


def check_grammar(node: Node) -> None:
    """Raise ValueError unless every Choice's alternatives start with disjoint sets of first words and every
    Lit that starts an alternative ends at a word boundary (so the text decides each choice)."""
    if isinstance(node, Seq):
        for p in node.parts:
            check_grammar(p)
    elif isinstance(node, Bind):
        check_grammar(node.node)
    elif isinstance(node, Choice):
        seen: set[str] = set()
        for _, a in node.alts:
            fw = _first_words(a)
            if "" in fw or fw & seen:
                raise ValueError(f"ambiguous choice: first words {sorted(fw & seen) or ['<empty>']} repeat")
            seen |= fw
            check_grammar(a)


# ---------------------------------------------------------------- the dialogue grammar
ROOMS = ("kitchen|living room|bedroom|bathroom|hallway|garage|attic|basement|office|nursery|porch|"
         "garden|study|pantry|guest room|laundry")
LIGHTS = "lamp|ceiling light|desk lamp|floor lamp|night light|strip light|spotlight|chandelier"
APPLIANCES = "fan|heater|kettle|radio|dishwasher|washer|dryer|printer|vacuum|coffee maker|tv|oven"
NUMBERS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
           "fifty|sixty|ninety")
DEGREES = "|".join(str(n) for n in range(15, 30))
GENRES = "jazz|rock|folk|blues|classical|ambient|reggae|soul|disco|punk|opera|swing|techno|country"
CONDITIONS = "sunny|cloudy|rainy|windy|foggy|snowy|stormy|clear|humid|freezing"
CITIES = ("oslo|paris|lima|cairo|delhi|tokyo|quito|dakar|hanoi|perth|bergen|porto|accra|tunis|riga|minsk|"
          "kyiv|sofia|turin|lyon|bonn|graz|nice|bath|york|cork|galway|malmo|turku|tartu|vilnius|krakow|gdansk|"
          "brno|split|zadar|varna|izmir|haifa|muscat|doha|basra|tabriz|kabul|lahore|dhaka|patna|pune|goa|"
          "kandy|male|medan|cebu|davao|busan|osaka|kobe|sendai|sapporo|taipei|macau|xian|wuhan|lhasa")
NAMES = ("anna|ben|carla|dev|emil|fatima|george|hana|ivan|julia|kofi|lena|marco|nora|omar|paula|quinn|rosa|"
         "sami|tara|umar|vera|wes|xena|yusuf|zoe")
WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"


def _lights() -> Seq:
    on = Bind(words("on|off"), "state")
    light = Bind(words(LIGHTS), "light")
    room = Bind(words(ROOMS), "room")
    ask = Choice(((0.5, seq("turn ", on, " the ", light, " in the ", room, ".")),
                  (0.3, seq("please switch ", on, " the ", light, " in the ", room, ".")),
                  (0.2, seq("could you turn ", on, " the ", light, " in the ", room, "?"))))
    reply = Choice(((0.8, seq("ok, the ", Ref(light), " in the ", Ref(room), " is ", Ref(on), ".")),
                    (0.15, seq("done. the ", Ref(room), " ", Ref(light), " is ", Ref(on), " now.")),
                    (0.05, seq("sorry, i can't find a ", Ref(light), " in the ", Ref(room), "."))))
    return seq(ask, "\n< ", reply)


def _heating() -> Seq:
    room = Bind(words(ROOMS), "room")
    deg = Bind(words(DEGREES), "degrees")
    ask = Choice(((0.6, seq("set the ", room, " to ", deg, " degrees.")),
                  (0.4, seq("make it ", deg, " degrees in the ", room, "."))))
    reply = Choice(((0.7, seq("heating the ", Ref(room), " to ", Ref(deg), " degrees.")),
                    (0.3, seq("the ", Ref(room), " will be ", Ref(deg), " degrees soon."))))
    return seq(ask, "\n< ", reply)


def _timer() -> Seq:
    n = Bind(words(NUMBERS), "n")
    unit = Bind(words("minutes|seconds|hours", [0.6, 0.3, 0.1]), "unit")
    ask = Choice(((0.7, seq("start a timer for ", n, " ", unit, ".")),
                  (0.3, seq("remind me in ", n, " ", unit, "."))))
    reply = Choice(((0.6, seq("timer set for ", Ref(n), " ", Ref(unit), ".")),
                    (0.4, seq("ok, ", Ref(n), " ", Ref(unit), " from now."))))
    return seq(ask, "\n< ", reply)


def _appliance() -> Choice:
    thing = Bind(words(APPLIANCES), "appliance")
    return Choice(((0.5, seq("run the ", thing, ".\n< the ", Ref(thing), " is running.")),
                    (0.5, seq("stop the ", thing, ".\n< the ", Ref(thing), " is stopped."))))


def _music() -> Seq:
    genre = Bind(words(GENRES), "genre")
    room = Bind(words(ROOMS), "room")
    ask = Choice(((0.6, seq("play some ", genre, " in the ", room, ".")),
                  (0.4, seq("put on ", genre, " music in the ", room, "."))))
    reply = Choice(((0.7, seq("playing ", Ref(genre), " in the ", Ref(room), ".")),
                    (0.3, seq("here is some ", Ref(genre), " for the ", Ref(room), "."))))
    return seq(ask, "\n< ", reply)


def _weather() -> Seq:
    city = Bind(words(CITIES), "city")
    day = Bind(words("today|tomorrow|" + WEEKDAYS, [3, 2] + [1] * 7), "day")
    ask = Choice(((0.6, seq("what is the weather in ", city, " ", day, "?")),
                  (0.4, seq("will it rain in ", city, " ", day, "?"))))
    reply = seq(Ref(day), " in ", Ref(city), ": ", words(CONDITIONS), ", ", words(DEGREES), " degrees.")
    return seq(ask, "\n< ", reply)


def _message() -> Seq:
    name = Bind(words(NAMES), "name")
    what = Bind(words("i am late|dinner is ready|call me back|see you soon|on my way|good night"), "text")
    ask = seq("tell ", name, " ", what, ".")
    reply = Choice(((0.7, seq("sent to ", Ref(name), ": ", Ref(what), ".")),
                    (0.3, seq("message for ", Ref(name), " sent."))))
    return seq(ask, "\n< ", reply)


def dialogue_grammar() -> Seq:
    """The default source: seven intents of one request and one reply."""
    return seq("> ", Choice(((0.25, _lights()), (0.15, _heating()), (0.15, _timer()), (0.1, _appliance()),
                             (0.1, _music()), (0.15, _weather()), (0.1, _message()))))


def vocabulary(node: Node) -> set[str]:
    """Every word the grammar can produce."""
    out: set[str] = set()

    def walk(n: Node) -> None:
        if isinstance(n, Lit):
            out.update(w for w in "".join(c if c.isalnum() or c == "'" else " " for c in n.text).split())
        elif isinstance(n, Seq):
            for p in n.parts:
                walk(p)
        elif isinstance(n, Choice):
            for _, a in n.alts:
                walk(a)
        elif isinstance(n, Bind):
            walk(n.node)

    walk(node)
    return out
