"""A logistic-regression model of wording: pitches and scams share a vocabulary (we, your,
offer, free, clients) that hand-written phrases cover only word for word. Trained offline
(training.py), shipped as data (learned.json, and learned.bin packed from it), read with
the rules; judging a message is one sum of weights.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from site_app.triage.packed import Packed
from site_app.triage.text import WORD, fold

DEFAULT = Path(__file__).with_name("learned.json")
# learned.bin: a magic, the SHA-256 of the JSON it was packed from, the prior, the count,
# then packed.py's arrays. A worker reads it when it matches the JSON beside it: parsing
# the JSON's 46,000 strings left 2 to 4 MB of fragments in every worker's heap.
_MAGIC = b"GLWORDS1"
_HEAD = struct.Struct("<8s32sdI")
# A run of letters holding a digit (text.WORD) is a code (an order number, a ticket
# id, a hash), not a word: read as words, "3fa9bdec" gave "fa" and "bdec" whatever it was.
_DIGIT = re.compile(r"\d")
# Chinese, Japanese and Korean are written without spaces: their words are read as
# pairs of characters instead.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
GRAM = 4  # letters in a word-part feature: "optimisation", "optimización" share "timi"
_GRAMS = re.compile(f"(?=([^ ]{{{GRAM}}}))")  # every GRAM characters in a row, overlapping


@dataclass(frozen=True)
class Model:
    prior: float  # log odds of spam before reading a feature (the bias)
    weights: dict[str, float] | Packed  # feature -> log odds it adds when present

    def log_odds(self, message: str) -> float:
        return self.evidence(message)[0]

    def evidence(self, message: str) -> tuple[float, int]:
        """The log odds, and how many of the message's features the model knows."""
        return self.weigh(features(message))

    def weigh(self, found: set[str]) -> tuple[float, int]:
        """``evidence`` for features already found (two models read one message's)."""
        weights = self.weights
        if isinstance(weights, Packed):
            total, count = weights.weigh(found)
            return self.prior + total, count
        known = found & weights.keys()  # the intersection runs in C
        return self.prior + sum(map(weights.__getitem__, known)), len(known)


def features(message: str) -> set[str]:
    """Words, word pairs, four-letter parts of words ("#<opt"), and for CJK text pairs
    of characters: word parts carry across spellings and languages that whole words
    do not."""
    folded = fold(message)
    words = [w for w in WORD.findall(folded) if w.isalpha() or not _DIGIT.search(w)]
    found = {*words, *map(" ".join, zip(words, words[1:], strict=False))}
    # Each word marked "<opt>", all in one string, and every GRAM letters without a space
    # taken in one pass of re; "#" keeps a word part from being taken for a word.
    marked = "<" + "> <".join(w for w in set(words) if not _CJK.search(w)) + ">"
    found.update(map("#".__add__, _GRAMS.findall(marked)))
    for run in _CJK.findall(folded):
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def load_model(path: Path | str = DEFAULT) -> Model:
    """Raises ValueError (or OSError) for a file that is not a model."""
    # The weights are rounded to three places, so under a thousand values serve 30,000
    # features: each is made once as the file is read (0.7 MB of every worker).
    shared: dict[str, float] = {}
    data = json.loads(
        Path(path).read_text(encoding="utf-8"),
        parse_float=lambda text: shared.setdefault(text, float(text)),
    )
    prior, weights = data.get("prior"), data.get("weights")
    if not isinstance(prior, int | float) or not isinstance(weights, dict):
        raise ValueError('expected {"prior": number, "weights": {feature: number}}')
    if not all(isinstance(v, float) for v in weights.values()):  # a hand-edited file
        if not all(isinstance(v, int | float) for v in weights.values()):
            raise ValueError("every weight must be a number")
        weights = {feature: float(v) for feature, v in weights.items()}
    return Model(float(prior), weights)


def packed(model: Model) -> Model:
    """The model as a worker keeps it (packed.py): 0.6 MB, not 4.6."""
    weights = model.weights
    return model if isinstance(weights, Packed) else Model(model.prior, Packed(weights))


def load_packed(path: Path | str = DEFAULT) -> Model:
    """The model as a worker keeps it: from the .bin beside ``path`` when that was packed
    from these very bytes, otherwise parsed and packed here (a hand-edited or new model)."""
    path = Path(path)
    text = path.read_bytes()
    try:
        data = path.with_suffix(".bin").read_bytes()
    except OSError:
        data = b""
    if len(data) >= _HEAD.size:
        magic, made_from, prior, count = _HEAD.unpack_from(data)
        body = data[_HEAD.size :]
        fresh = magic == _MAGIC and made_from == hashlib.sha256(text).digest()
        if fresh and len(body) == count * Packed.ROW:
            return Model(prior, Packed.frombytes(body))
    return packed(load_model(path))


def write(model: Model, path: Path | str) -> None:
    """The model as JSON at ``path``, and packed beside it (``load_packed``)."""
    path = Path(path)
    text = (
        json.dumps({"prior": model.prior, "weights": model.weights}, ensure_ascii=False, indent=0)
        + "\n"
    ).encode()
    path.write_bytes(text)
    weights = model.weights if isinstance(model.weights, Packed) else Packed(model.weights)
    head = _HEAD.pack(_MAGIC, hashlib.sha256(text).digest(), model.prior, len(weights))
    path.with_suffix(".bin").write_bytes(head + weights.fingerprint())
