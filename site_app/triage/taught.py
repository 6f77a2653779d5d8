"""What this site taught triage: the wording model refitted with the inquiries sales
decided on, and those inquiries themselves, so that a text close to one they delivered
(or marked) is judged as they judged it.

Pure data and arithmetic: ``site_app.teaching`` reads the decisions from the database,
refits off the request path and hands each worker a ``Lessons``; ``engine.teach`` puts
it to use. "Close" is the share of word triples two texts have in common (Jaccard over
their shingles, as near-duplicate detection measures it): a reworded copy of a pitch
keeps most of its triples, another message on the same topic keeps almost none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from site_app.triage.learned import Model
from site_app.triage.text import WORD, fold

SHINGLE = 3  # words in a shingle


@dataclass(frozen=True)
class Decided:
    genuine: bool
    message: str


@dataclass(frozen=True)
class Near:
    genuine: bool
    similarity: float


def shingles(message: str) -> frozenset[str]:
    words = WORD.findall(fold(message))
    if len(words) < SHINGLE:
        return frozenset({" ".join(words)}) if words else frozenset()
    return frozenset(" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def _hashed(message: str) -> set[int]:
    """The shingles as 30-bit hashes: small ints take less memory than the words."""
    return {hash(s) & _BITS for s in shingles(message)}


_BITS = (1 << 30) - 1


@dataclass
class Neighbours:
    """The decided texts' shingles, indexed by shingle: a new text is compared only with
    the decided texts it shares a shingle with. Most shingles belong to one text, so the
    index maps a shingle to that text's number, and only shared ones to a tuple."""

    kinds: list[bool] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    index: dict[int, int | tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, decided: Iterable[Decided]) -> Neighbours:
        found = cls()
        for example in decided:
            its = _hashed(example.message)
            if not its:
                continue
            number = len(found.kinds)
            for shingle in its:
                had = found.index.get(shingle)
                if had is None:
                    found.index[shingle] = number
                else:
                    found.index[shingle] = (
                        (*had, number) if isinstance(had, tuple) else (had, number)
                    )
            found.kinds.append(example.genuine)
            found.sizes.append(len(its))
        return found

    def nearest(self, message: str) -> Near | None:
        """The closest decided text's kind and similarity, or None if none shares a shingle."""
        its = _hashed(message)
        shared: defaultdict[int, int] = defaultdict(int)
        for shingle in its:
            had = self.index.get(shingle)
            for i in had if isinstance(had, tuple) else () if had is None else (had,):
                shared[i] += 1
        if not shared:
            return None
        best = max(shared, key=lambda i: shared[i] / (len(its) + self.sizes[i] - shared[i]))
        similarity = shared[best] / (len(its) + self.sizes[best] - shared[best])
        return Near(self.kinds[best], similarity)

    def __len__(self) -> int:
        return len(self.kinds)


@dataclass(frozen=True)
class Lessons:
    """One refit: the model that replaces the shipped one, and the texts it learned from."""

    refit: int  # the refit's id, 0 for none
    model: Model | None  # what the refit changed: its log odds add to the shipped model's
    neighbours: Neighbours
    genuine: int = 0
    spam: int = 0


NONE = Lessons(0, None, Neighbours())
