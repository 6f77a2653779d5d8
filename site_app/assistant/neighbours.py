"""The questions the doubt was fitted on, and where each should have led: its memory.

Whether the guide answers a question is not linear in the question's meaning ("what is
GPT?" is answered, "GPT or BERT for my startup?" is not, and both are close to section
1), so the doubt (verify.py) also reads what became of the questions nearest in meaning
among those visitors' parts hold: the share of the nearest that the guide could not
answer, and the share that the passage found would have answered.

Nearness is the cosine over a question's first DIMENSIONS, each stored as a byte. Every
dot product is taken at once: a dimension's bytes for all the questions sit in one
integer, 32 bits apart, so one multiplication by the question's value adds that dimension
to every sum (a millisecond for 5,000 questions, where a loop in Python takes 15; numpy
would add some 10 MB to every worker for this one product).

The file (asked.bin, written by fit.py): a JSON line with the passages' keys, the count
and the dimensions; a byte per question for its passage's row; then each dimension's
bytes for every question, offset by 128.
"""

from __future__ import annotations

import heapq
import json
import math
from array import array
from collections.abc import Sequence
from pathlib import Path

from site_app.assistant.passages import HANDOFF

MEMORY = Path(__file__).with_name("asked.bin")
DIMENSIONS = 64
NEAREST = 5
_SCALE = 127  # a unit vector's values times this are bytes
_BIAS = 1 << 30  # keeps every sum positive, so the 32-bit fields never borrow
_FIELD = 32


def quantised(vector: Sequence[float]) -> list[int]:
    """The vector's first DIMENSIONS at unit length, as integers from -127 to 127."""
    head = vector[:DIMENSIONS]
    norm = math.sqrt(sum(v * v for v in head)) or 1.0
    return [round(v / norm * _SCALE) for v in head]


class Asked:
    def __init__(self, keys: Sequence[str], rows: bytes, columns: Sequence[bytes]) -> None:
        """``rows``: each question's passage row in ``keys``; ``columns``: each dimension's
        value for every question, plus 128 (a byte each)."""
        self.keys = list(keys)
        self._rows = rows
        self._count = len(rows)
        self._handoff = self.keys.index(HANDOFF)
        # Each dimension as one integer: question i's byte at bit 32 i
        self._columns = [int.from_bytes(array("I", iter(c)).tobytes(), "little") for c in columns]
        self._ones = int.from_bytes(array("I", [1]).tobytes() * self._count, "little")

    @classmethod
    def of(cls, keys: Sequence[str], asked: Sequence[tuple[Sequence[float], int]]) -> Asked:
        """From (vector, passage row) pairs."""
        vectors = [quantised(v) for v, _ in asked]
        columns = [bytes(v[d] + 128 for v in vectors) for d in range(DIMENSIONS)]
        return cls(keys, bytes(row for _, row in asked), columns)

    @classmethod
    def load(cls, path: Path = MEMORY) -> Asked:
        data = path.read_bytes()
        head, _, body = data.partition(b"\n")
        meta = json.loads(head)
        count, dimensions = meta["count"], meta["dimensions"]
        if dimensions != DIMENSIONS or len(body) != count * (1 + dimensions):
            raise ValueError(f"{path}: not {count} questions of {DIMENSIONS} dimensions")
        columns = [body[count * (1 + d) : count * (2 + d)] for d in range(dimensions)]
        return cls(meta["keys"], body[:count], columns)

    def tobytes(self) -> bytes:
        meta = {"keys": self.keys, "count": self._count, "dimensions": DIMENSIONS}
        columns = (bytes(self._fields(c).tolist()) for c in self._columns)
        return json.dumps(meta).encode() + b"\n" + self._rows + b"".join(columns)

    def nearest(self, vector: Sequence[float], count: int = NEAREST) -> list[int]:
        """The questions nearest ``vector`` in meaning, nearest first."""
        total = _BIAS * self._ones
        for value, column in zip(quantised(vector), self._columns, strict=True):
            if value:
                total += value * column
        sums = self._fields(total)
        return heapq.nlargest(count, range(self._count), key=sums.__getitem__)

    def _fields(self, packed: int) -> array[int]:
        fields = array("I")
        fields.frombytes(packed.to_bytes(4 * self._count, "little"))
        return fields

    def shares(self, vector: Sequence[float], row: int) -> tuple[float, float]:
        """Of the nearest questions, the share the guide could not answer, and the share
        passage ``row`` answers."""
        rows = [self._rows[i] for i in self.nearest(vector)]
        return rows.count(self._handoff) / len(rows), rows.count(row) / len(rows)
