"""Dot products in packed integers (site_app/assistant/products.py) and what is built on
them: the doubt's nearest questions (neighbours.py) and the meaning's similarities, which
must agree with plain arithmetic, and the doubt, which looks its nearest up only when they
can change its verdict."""

from __future__ import annotations

import operator
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_app.assistant.answer import route
from site_app.assistant.index import GuideIndex, phrasings
from site_app.assistant.meaning import _closest, shared_embeddings
from site_app.assistant.neighbours import DIMENSIONS, Asked, quantised
from site_app.assistant.products import Columns
from site_app.assistant.verify import Found
from site_app.guide.content import load_guide
from tests.assistant_quality import load_questions

rows_of_bytes = st.lists(
    st.lists(st.integers(0, 255), min_size=4, max_size=4), min_size=1, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(rows_of_bytes, st.lists(st.integers(-127, 127), min_size=4, max_size=4))
def test_every_sum_is_the_exact_dot_product(rows: list[list[int]], query: list[int]) -> None:
    columns = Columns([[row[d] for row in rows] for d in range(4)], 3, 1 << 21)
    sums, wide = columns.sums(query)
    assert list(sums) == [(1 << 21) + sum(map(operator.mul, row, query)) for row in rows]
    assert bytes(wide) == sums.tobytes()
    assert [columns.column(d) for d in range(4)] == [bytes(r[d] for r in rows) for d in range(4)]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(5, 300))
def test_the_nearest_questions_are_those_of_the_largest_dot_products(seed: int, n: int) -> None:
    rng = random.Random(seed)
    # Few distinct values, so that equal sums (ties) are common
    vectors = [[rng.choice((-1.0, 0.0, 0.5, 1.0)) for _ in range(DIMENSIONS)] for _ in range(n)]
    asked = Asked.of(["a", "handoff"], [(v, i % 2) for i, v in enumerate(vectors)])
    query = [rng.uniform(-1, 1) for _ in range(DIMENSIONS)]
    q = quantised(query)
    exact = [sum(map(operator.mul, q, quantised(v))) for v in vectors]
    expected = sorted(range(n), key=lambda i: (-exact[i], i))[:5]
    assert asked.nearest(query) == expected
    handoff = sum(i % 2 for i in expected)
    assert asked.shares(query, 0) == (handoff / 5, (5 - handoff) / 5)


def test_the_memory_reads_back_what_was_written(tmp_path: Path) -> None:
    rng = random.Random(7)
    vectors = [[rng.uniform(-1, 1) for _ in range(DIMENSIONS)] for _ in range(50)]
    asked = Asked.of(["a", "b", "handoff"], [(v, i % 3) for i, v in enumerate(vectors)])
    (tmp_path / "asked.bin").write_bytes(asked.tobytes())
    again = Asked.load(tmp_path / "asked.bin")
    assert again.tobytes() == asked.tobytes() and again.nearest(vectors[3]) == asked.nearest(
        vectors[3]
    )
    (tmp_path / "short.bin").write_bytes(asked.tobytes()[:-1])
    with pytest.raises(ValueError, match="not 50 questions"):
        Asked.load(tmp_path / "short.bin")


def test_the_meaning_agrees_with_floating_point() -> None:
    index = GuideIndex(load_guide(), doubting=False, reranking=False)
    embeddings = shared_embeddings()
    vectors = [[embeddings.vector(t) for t in phrasings(p)] for p in index.passages]
    for question in [q["q"] for qs in load_questions().values() for q in qs][::50]:
        asked = embeddings.vector(question)
        for row, got in enumerate(index.meanings.similarities(question)):
            expected = _closest([sum(map(operator.mul, asked, v)) for v in vectors[row]])
            assert abs(got - expected) < 1e-6, question


def test_the_doubt_looks_its_nearest_up_only_when_they_can_change_its_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = GuideIndex(load_guide())
    doubt = index.doubt
    assert doubt is not None
    lookups = []
    shares = doubt._asked.shares
    monkeypatch.setattr(doubt._asked, "shares", lambda *a: lookups.append(1) or shares(*a))
    looked_up = skipped = 0
    for question in [q["q"] for qs in load_questions().values() for q in qs][::20]:
        seen = route(index, question)
        best = seen.hits[0]
        found = Found(best.coverage, seen.meaning, index.row(best.passage), seen.far)
        threshold = doubt.threshold_far if found.far else doubt.threshold
        lookups.clear()
        verdict = doubt.doubts(question, found)
        looked_up, skipped = looked_up + len(lookups), skipped + (not lookups)
        assert verdict == (doubt.of(question, found) > threshold), question
    assert looked_up > 0 and skipped > 0
