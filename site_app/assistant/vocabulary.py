"""WordLlama's tokenizer vocabulary (32,000 tokens and their ids) as a MARISA trie, shipped
beside the code as ``vocabulary.bin`` and read at start-up without parsing JSON.

As a dict, decoded from the tokenizer file in every worker, the vocabulary held 4 MB and
its parse left some 6 MB more of freed heap behind: a tenth of a worker's 80 MB. The trie
(the ``marisa-trie`` package) holds the same in about 0.2 MB, and a lookup costs 0.25 µs
against a dict's 0.09. Its ids are the trie's own, so an array maps them to the
tokenizer's. The file names the tokenizer file's size it was built from; another size stops
start-up with "run make fit", which rebuilds it first (``write``, from ``fit.py``).
"""

from __future__ import annotations

import json
import struct
from array import array
from pathlib import Path

from marisa_trie import Trie

SHIPPED = Path(__file__).with_name("vocabulary.bin")
_MAGIC = b"GLVOCAB1"
_HEAD = struct.Struct("<8sQI")  # magic, the tokenizer file's size, the trie's bytes


class StaleVocabulary(RuntimeError):
    pass


class Vocabulary:
    """The part of a dict the tokenizer uses: ``get`` and ``in``."""

    def __init__(self, trie: Trie, ids: array[int]) -> None:
        self._trie, self._ids = trie, ids

    def get(self, token: str) -> int | None:
        found = self._trie.get(token)
        return None if found is None else self._ids[found]

    def __contains__(self, token: object) -> bool:
        return token in self._trie

    def __len__(self) -> int:
        return len(self._trie)


def parse(tokenizer: Path) -> dict[str, int]:
    """The tokenizer file's vocabulary alone (its 61,000 merges are never needed)."""
    data = tokenizer.read_bytes()
    start = data.index(b"{", data.index(b'"vocab"', data.index(b'"model"')))
    text = data[start : data.index(b'"merges"', start)].decode("utf-8")
    vocab: dict[str, int] = json.JSONDecoder().raw_decode(text)[0]
    return vocab


def build(tokenizer: Path) -> bytes:
    vocab = parse(tokenizer)
    trie = Trie(list(vocab))
    ids = array("I", bytes(4 * len(trie)))
    for token, token_id in vocab.items():
        ids[trie[token]] = token_id
    packed: bytes = trie.tobytes()
    head = _HEAD.pack(_MAGIC, tokenizer.stat().st_size, len(packed))
    return head + packed + ids.tobytes()


def load(tokenizer: Path, path: Path = SHIPPED) -> Vocabulary:
    """The shipped vocabulary, if it was built from this ``tokenizer`` file."""
    data = path.read_bytes()
    magic, size, length = _HEAD.unpack_from(data)
    if magic != _MAGIC or size != tokenizer.stat().st_size:
        raise StaleVocabulary(f"{path} was not built from {tokenizer}: run make fit")
    trie = Trie().frombytes(data[_HEAD.size : _HEAD.size + length])
    ids = array("I")
    ids.frombytes(data[_HEAD.size + length :])
    if len(ids) != len(trie):
        raise StaleVocabulary(f"{path} is damaged: run make fit")
    return Vocabulary(trie, ids)


def write(tokenizer: Path) -> None:
    SHIPPED.write_bytes(build(tokenizer))
    print(f"{SHIPPED}: {len(load(tokenizer))} tokens")
