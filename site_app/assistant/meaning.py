"""What a text means, as a vector: WordLlama's static token embeddings, read in place.

The weights (32,000 Llama-2 tokens x 256 dimensions, float16, 16 MB) and the tokenizer's
vocabulary ship inside the ``wordllama`` wheel; nothing is fetched at run time. A text's
vector is the mean of its tokens' rows, as WordLlama computes it. We read the two files
ourselves rather than through the package: its loader looks for the tokenizer in
``tokenizer/`` where the wheel has ``tokenizers/``, and numpy plus the ``tokenizers``
library would add some 45 MB to every worker against an 80 MB ceiling. Here the weights
are read a row at a time when a token needs it (the page cache shares them between
workers), the tokenizer's vocabulary is a compact trie built from its file
(``vocabulary.py``), and the tokenizer is SentencePiece's merge order over it, which
agrees with Llama's BPE on whole words and comes close on the rest.
"""

from __future__ import annotations

import importlib.util
import json
import math
import operator
import os
import struct
from functools import lru_cache
from pathlib import Path

from site_app.assistant import vocabulary
from site_app.assistant.products import Columns

_WEIGHTS = Path("weights", "l2_supercat_256.safetensors")
TOKENIZER = Path("tokenizers", "l2_supercat_tokenizer_config.json")
DIMENSIONS = 128  # of 256: WordLlama is trained so that a vector's first ones stand alone
SECOND_WEIGHT = 0.2  # of a passage's similarity, from its second-closest phrasing
_SPACE = "\u2581"  # SentencePiece's word boundary
_MAX_WORD = 40  # characters: longer "words" are split into pieces of at most this many

Vector = tuple[float, ...]


def package_folder() -> Path:
    """Where pip put wordllama, found without importing it: its import needs numpy and
    pydantic, which the site installs only for the tests (requirements-data.txt, --no-deps)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordllama package is not installed (requirements-data.txt)")
    return Path(next(iter(spec.submodule_search_locations)))


class Embeddings:
    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or package_folder()
        self._vocab = vocabulary.load(folder / TOKENIZER)
        # Rows are read with pread, not mapped: a mapping's pages (and the kernel's
        # read-ahead around each) would count in every worker's RSS; the page cache
        # holds them once for all workers instead.
        self._weights = os.open(folder / _WEIGHTS, os.O_RDONLY)
        size = int.from_bytes(os.pread(self._weights, 8, 0), "little")
        header = json.loads(os.pread(self._weights, size, 8))["embedding.weight"]
        rows, self._stored = header["shape"]
        self.dimensions = min(DIMENSIONS, self._stored)
        if header["dtype"] != "F16" or rows != len(self._vocab):
            raise RuntimeError(f"unexpected WordLlama weights: {header}")
        self._start = 8 + size + header["data_offsets"][0]
        self._row = struct.Struct(f"<{self.dimensions}e")  # a row's first dimensions
        self.tokens = lru_cache(maxsize=4096)(self._tokens)
        # The re-ranker and the doubt read one question's vector each: the second is free
        self.vector = lru_cache(maxsize=4)(self._vector)

    def _tokens(self, word: str) -> tuple[int, ...]:
        """One word (with its leading boundary mark) as token ids, by SentencePiece's BPE:
        merge the neighbouring pair whose union ranks first in the vocabulary (Llama's ids
        are its merge order) until none is in it; a character the vocabulary lacks becomes
        its UTF-8 bytes, as in Llama."""
        pieces = list(word)
        while len(pieces) > 1:
            pairs = enumerate(zip(pieces, pieces[1:], strict=False))
            ranked = [(rank, i) for i, (a, b) in pairs if (rank := self._vocab.get(a + b))]
            if not ranked:
                break
            i = min(ranked)[1]
            pieces[i : i + 2] = [pieces[i] + pieces[i + 1]]
        ids: list[int] = []
        for piece in pieces:
            if (found := self._vocab.get(piece)) is not None:
                ids.append(found)
            else:
                ids += [self._vocab.get(f"<0x{b:02X}>") or 0 for b in piece.encode()]
        return tuple(ids)

    def is_word(self, word: str) -> bool:
        """Whether the tokenizer holds ``word`` whole, lower-case or capitalised: a word
        the model knows, not a misspelling."""
        return any(_SPACE + w in self._vocab for w in (word, word.capitalize()))

    def _vector(self, text: str) -> Vector:
        """The unit-length mean of the text's token rows; all zeros for an empty text."""
        total = [0.0] * self.dimensions
        for word in text.split():
            for piece in range(0, len(word), _MAX_WORD):
                for token in self.tokens(_SPACE + word[piece : piece + _MAX_WORD]):
                    at = self._start + token * self._stored * 2
                    row = self._row.unpack(os.pread(self._weights, self._row.size, at))
                    total = list(map(operator.add, total, row))
        norm = math.sqrt(sum(x * x for x in total))
        return tuple(x / norm for x in total) if norm else tuple(total)


@lru_cache(maxsize=1)
def shared_embeddings() -> Embeddings:
    """One reader of the weights per process, however many indexes (tests build several)."""
    return Embeddings()


class Meanings:
    """Each passage's phrasings as vectors, computed once at start-up: its title, each
    sentence of its text and each of its readers' questions. A question's similarity to a
    passage is mostly its best similarity to any of them (``_closest``), so one good
    phrasing in ``asks`` is enough for a paraphrase of it to find its section.

    The similarities to every phrasing are taken at once (products.py) over the vectors in
    fixed point, FIXED bits after the point: they agree with floating point to 1e-6."""

    def __init__(self, embeddings: Embeddings, passages: list[list[str]]) -> None:
        self._embeddings = embeddings
        vectors = [embeddings.vector(text) for texts in passages for text in texts]
        self._owners = [row for row, texts in enumerate(passages) for _ in texts]
        self._rows = len(passages)
        # Values of -1 to 1 stored as 0 to 2 ** (FIXED + 1); a sum of products is within
        # 2 ** (2 FIXED + 8) of 0 for 128 dimensions, well inside 8-byte fields
        columns = [[_fixed(v[d]) + _ONE for v in vectors] for d in range(embeddings.dimensions)]
        self._columns = Columns(columns, 8, _BIAS)

    def similarities(self, question: str, rows: list[int] | None = None) -> list[float]:
        """The question's similarity to each passage (or to those in ``rows``, others 0)."""
        asked = [_fixed(v) for v in self._embeddings.vector(question)]
        sums, _ = self._columns.sums(asked)
        offset = _BIAS + _ONE * sum(asked)  # what the stored values' offset added
        found: list[list[float]] = [[] for _ in range(self._rows)]
        for owner, total in zip(self._owners, sums, strict=True):
            found[owner].append((total - offset) / _ONE**2)
        return [
            _closest(found[row]) if rows is None or row in rows else 0.0
            for row in range(self._rows)
        ]


FIXED = 24
_ONE = 1 << FIXED
_BIAS = 1 << (2 * FIXED + 9)


def _fixed(value: float) -> int:
    return round(value * _ONE)


def _closest(similarities: list[float]) -> float:
    """The best similarity to a passage's phrasings, a fifth of it from the second best: the
    best of many noisy similarities favours the passages with most phrasings, and one stray
    phrasing close by chance. Measured on every part but the never-tuned fourteenth: right
    section first in 453 of 480 answerable questions with the best alone, 459 with this
    (no part worse); from 0.35 for the second, some parts lose."""
    best = second = 0.0
    for s in similarities:
        if s > best:
            best, second = s, best
        elif s > second:
            second = s
    if len(similarities) < 2:
        return best
    return (1 - SECOND_WEIGHT) * best + SECOND_WEIGHT * second
