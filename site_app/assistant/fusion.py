"""The passages that may answer a question, best first.

Two rankings are fused, each by rank, not by score (reciprocal rank fusion): FTS5's by
the guide's words (coverage, then BM25) and WordLlama's by meaning, with the passages a
cue or a question form points to. Ranks, because neither score compares across
questions and the two do not compare with each other. The fitted re-ranker (rerank.py),
when the index has one, orders what this finds.
"""

from __future__ import annotations

import re

from site_app.assistant.forms import pointed_to
from site_app.assistant.index import MIN_COVERAGE, GuideIndex, Hit
from site_app.assistant.rerank import Ranking

RANK_OFFSET = 60  # reciprocal rank fusion's k: weight / (k + rank) from each ranking
# The meaning counts half: on the parts never tuned on (twelfth, fourteenth, fifteenth) it
# ranks the right section first for 82 of 101 at 0.5 against 80 at 1.0 and 78 at 0
# (docs/incoming/assistant-weight.md)
WORDS_WEIGHT, MEANING_WEIGHT, CUE_WEIGHT, FORM_WEIGHT = 1.0, 0.5, 1.0, 1.0
CLEAR_LEAD = 0.25  # coverage by which the words' best passage leads the next, to decide alone


def ranked(index: GuideIndex, question: str) -> tuple[list[Hit], list[Hit], list[float]]:
    """Every passage either ranking finds, best first; FTS5's ranking alone; and
    each row's similarity by meaning (by row number). The fitted re-ranker (rerank.py),
    when the index has one, orders what the hand-made ranking found."""
    ranking, found, by_bm25 = handmade(index, question)
    order = ranking.fused
    if index.reranker is not None:
        order = index.reranker.order(question, ranking)
    return [found.get(row) or index.plain(row) for row in order], by_bm25, ranking.meaning


def handmade(index: GuideIndex, question: str) -> tuple[Ranking, dict[int, Hit], list[Hit]]:
    """The hand-made ranking, the passages the words found (by row), and FTS5's ranking.

    Fused by rank, except where the words decide clearly: a passage with most of the
    question's words and a lead of CLEAR_LEAD over the next comes first ("Are
    foundation models biased?" is about bias, though "foundation models" is section 1).
    """
    meaning = index.meanings.similarities(index.respelt(question))
    # Ties in coverage are broken by meaning, not by BM25, which says little over nine
    # short rows: "What can foundation models do?" has both words in five passages.
    by_bm25 = index.search(question)
    by_words = sorted(by_bm25, key=lambda h: (-h.coverage, -meaning[index.row(h.passage)]))
    by_meaning = sorted(range(len(meaning)), key=lambda row: -meaning[row])
    rows = [index.row(hit.passage) for hit in by_words]
    fused: dict[int, float] = {}
    cued = [row for row, p in enumerate(index.passages) if _cued(question, p.cues)]
    formed = [index.row_of(key) for key in pointed_to(question)]
    rankings = (
        (rows, WORDS_WEIGHT),
        (by_meaning, MEANING_WEIGHT),
        (cued, CUE_WEIGHT),
        (formed, FORM_WEIGHT),
    )
    for ranking, weight in rankings:
        for rank, row in enumerate(ranking):
            fused[row] = fused.get(row, 0.0) + weight / (RANK_OFFSET + rank + 1)
    coverage = [h.coverage for h in by_words] + [0.0, 0.0]
    if coverage[0] >= MIN_COVERAGE and coverage[0] - coverage[1] >= CLEAR_LEAD:
        fused[rows[0]] = float("inf")
    found = dict(zip(rows, by_words, strict=True))
    everyone = range(len(meaning))
    seen = Ranking(
        coverage=[found[row].coverage if row in found else 0.0 for row in everyone],
        meaning=meaning,
        by_words=rows,
        fused=sorted(fused, key=lambda row: -fused[row]),
        cued=[row in cued for row in everyone],
        formed=[row in formed for row in everyone],
    )
    return seen, found, by_bm25


def _cued(question: str, cues: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(cue)}\b", question, re.IGNORECASE) for cue in cues)
