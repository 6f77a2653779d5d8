"""The questions the doubt was fitted on, and where each should have led: its memory.

Whether the guide answers a question is not linear in the question's meaning ("what is
GPT?" is answered, "GPT or BERT for my startup?" is not, and both are close to section
1), so the doubt (verify.py) also reads what became of the questions nearest in meaning
among those visitors' parts hold: the share of the nearest that the guide could not
answer, and the share that the passage found would have answered.

Nearness is the cosine over a question's first DIMENSIONS, each stored as a byte; every dot
product is taken at once (products.py: 0.6 ms for 5,000 questions).

The file (asked.bin, written by fit.py): a JSON line with the passages' keys, the count
and the dimensions; a byte per question for its passage's row; then each dimension's
bytes for every question, offset by 128.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Sequence
from pathlib import Path

from site_app.assistant.passages import HANDOFF
from site_app.assistant.products import Columns

MEMORY = Path(__file__).with_name("asked.bin")
DIMENSIONS = 64
NEAREST = 5
_SCALE = 127  # a unit vector's values times this are bytes
# A sum of DIMENSIONS products of a value (-127 to 127) and a byte is within 2^21 of 0: this
# keeps every sum positive and under 2^22, so the 24-bit fields never borrow or overflow
_BIAS = 1 << 21
_WIDTH = 3  # bytes a field takes


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
        self._handoff = self.keys.index(HANDOFF)
        self._columns = Columns(columns, _WIDTH, _BIAS)

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
        meta = {"keys": self.keys, "count": len(self._rows), "dimensions": DIMENSIONS}
        columns = (self._columns.column(d) for d in range(DIMENSIONS))
        return json.dumps(meta).encode() + b"\n" + self._rows + b"".join(columns)

    def nearest(self, vector: Sequence[float], count: int = NEAREST) -> list[int]:
        """The questions nearest ``vector`` in meaning, nearest first (the lower row first
        among equals)."""
        sums, wide = self._columns.sums(quantised(vector))
        rows: list[int] = []
        for value in heapq.nlargest(count, sums):  # then where each is, found as bytes
            pattern, at = value.to_bytes(sums.itemsize, "little"), 0
            while (at := wide.find(pattern, at)) % sums.itemsize or at // sums.itemsize in rows:
                at += 1
            rows.append(at // sums.itemsize)
        return rows

    def shares(self, vector: Sequence[float], row: int) -> tuple[float, float]:
        """Of the nearest questions, the share the guide could not answer, and the share
        passage ``row`` answers."""
        rows = [self._rows[i] for i in self.nearest(vector)]
        return rows.count(self._handoff) / len(rows), rows.count(row) / len(rows)
