"""The shipped wording model's weights, packed for a worker's memory.

As a dict of strings, 46,000 features held 4.6 MB of every worker (a key string and a
dict entry each). Packed, a feature is its 8-byte BLAKE2b digest in a sorted array beside
a 4-byte float: 0.6 MB, looked up by bisection. Judging reads a message's features once
(some hundreds), so the lookups cost a millisecond in the sender, never on a request.
Training and refits keep plain dicts: they run in their own process.

Two features share a digest once in about 10^19 pairs: with 46,000 of them, never in
practice; the weights are the file's, rounded to three places, which a float32 holds.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping


def digest(feature: str) -> int:
    """The same number for a feature on every host and in every process (``hash()`` of a
    string is salted per process)."""
    return int.from_bytes(
        hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big", signed=True
    )


class Packed:
    """Feature -> weight, read-only: ``get``, ``[]``, ``in``, ``len`` and ``weigh``."""

    ROW = 12  # bytes a feature takes: its digest and its weight

    def __init__(self, weights: Mapping[str, float]) -> None:
        pairs = sorted((digest(f), w) for f, w in weights.items())
        self._digests = array("q", (d for d, _ in pairs))
        self._weights = array("f", (w for _, w in pairs))

    @classmethod
    def frombytes(cls, data: bytes) -> Packed:
        """What ``fingerprint`` gave, read back with no object made per feature."""
        packed = cls({})
        count = len(data) // cls.ROW
        packed._digests.frombytes(data[: count * 8])
        packed._weights.frombytes(data[count * 8 : count * cls.ROW])
        return packed

    def _at(self, feature: str) -> int | None:
        d = digest(feature)
        i = bisect_left(self._digests, d)
        return i if i < len(self._digests) and self._digests[i] == d else None

    def get(self, feature: str, default: float = 0.0) -> float:
        i = self._at(feature)
        return default if i is None else self._weights[i]

    def __getitem__(self, feature: str) -> float:
        i = self._at(feature)
        if i is None:
            raise KeyError(feature)
        return self._weights[i]

    def __contains__(self, feature: object) -> bool:
        return isinstance(feature, str) and self._at(feature) is not None

    def __len__(self) -> int:
        return len(self._digests)

    def weigh(self, found: Iterable[str]) -> tuple[float, int]:
        """The sum of the weights of the features found, and how many have one."""
        total, known = 0.0, 0
        for feature in found:
            if (i := self._at(feature)) is not None:
                total += self._weights[i]
                known += 1
        return total, known

    def fingerprint(self) -> bytes:
        """The packed weights as bytes, the same on every (little-endian) host: what a
        digest is taken of, and what learned.bin holds."""
        return self._digests.tobytes() + self._weights.tobytes()
