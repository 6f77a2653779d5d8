"""From a question to an answer: the best passages, or a hand-off to the team with the
closest sections beside it.

Two rankings are fused, each by rank, not by score (reciprocal rank fusion): FTS5's by
the guide's words (coverage, then BM25) and WordLlama's by meaning. Ranks, because
neither score compares across questions and the two do not compare with each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from site_app.assistant.asking import wants_us
from site_app.assistant.forms import BROAD, pointed_to
from site_app.assistant.index import HANDOFF, MAX_LENGTH, MIN_COVERAGE, GuideIndex, Hit, Passage
from site_app.assistant.kinds import asked_for
from site_app.assistant.passages import CONTACT
from site_app.assistant.rerank import Ranking
from site_app.assistant.verify import Found
from site_app.assistant.words import content_words

MAX_ANSWERS = 2
MAX_SUGGESTIONS = 2
RANK_OFFSET = 60  # reciprocal rank fusion's k: weight / (k + rank) from each ranking
# The meaning counts half: on the parts never tuned on (twelfth, fourteenth, fifteenth) it
# ranks the right section first for 82 of 101 at 0.5 against 80 at 1.0 and 78 at 0
# (docs/incoming/assistant-weight.md)
WORDS_WEIGHT, MEANING_WEIGHT, CUE_WEIGHT, FORM_WEIGHT = 1.0, 0.5, 1.0, 1.0
CLEAR_LEAD = 0.25  # coverage by which the words' best passage leads the next, to decide alone
MIN_MEANING = 0.3  # similarity that answers a question whose words the guide lacks
MIN_MEANING_ALONE = 0.7  # the same, when no word of the question is the guide's
MIN_REST = 0.2  # similarity the words a passage lacks must have to it, for that
MIN_CLOSE = 0.3  # similarity, or any shared word, that makes a section worth suggesting
# Below this best similarity, a question that only partly shares the guide's words is off
# its topic ("what's the weather like today" shares "today"): the lowest of any answerable
# question in the parts is 0.22, and no floor separates more (docs/design.md, "Deciding")
MIN_TOPICAL = 0.2
# A broad form answers for its passage only as close in meaning as any answer must be:
# "could it look at photos of my stock" is 0.215 from the applications, "could it tell me
# the weather tomorrow" 0.13 ("could it tell me a joke", 0.21, passes: a known miss)
MIN_FORMED = MIN_TOPICAL
_NOT_SUGGESTED = (HANDOFF, CONTACT)  # "Ask our team" already stands beside suggestions
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]  # best first; empty when the guide has no good answer
    # The closest sections when handed off, or when others match as many words as the first
    suggestions: tuple[Passage, ...] = ()
    asks_for: str | None = None  # a kind of answer the guide never holds ("dates")

    @property
    def answered(self) -> bool:
        return bool(self.hits)


def clean(question: str) -> str:
    """One line, no control characters (NUL included), no surrounding spaces."""
    return " ".join(_CONTROL.sub(" ", question).split())


def too_long(question: str) -> bool:
    return len(question) > MAX_LENGTH


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
    by_words = sorted(by_bm25, key=lambda h: (-h.coverage, -meaning[_row(index, h)]))
    by_meaning = sorted(range(len(meaning)), key=lambda row: -meaning[row])
    rows = [_row(index, hit) for hit in by_words]
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


def answer(index: GuideIndex, question: str) -> Answer:
    """The passages that answer ``question`` (already cleaned), or none and the closest.

    A visitor often gives context before the question ("I run a small clinic and a vendor
    is pushing an AI assistant. What do critics worry about?"): the context's words dilute
    the question's, so when the whole is handed off (and asks for no kind the guide never
    gives), its last sentence with a topic word is asked alone.
    """
    result = _answer(index, question)
    if result.answered or result.asks_for:
        return result
    sentences = [s for s in _SENTENCE_END.split(question) if content_words(s)]
    if len(sentences) > 1 and (focused := _answer(index, sentences[-1])).answered:
        return replace(focused, question=question)
    return result


def _answer(index: GuideIndex, question: str) -> Answer:
    """The passages that answer ``question`` as a whole, or none and the closest.

    The first is answered when most of the question's words are in it, or its meaning is
    close enough, and the question does not ask for a kind of answer the guide never
    gives. A second passage is given only for words of the question the first does not
    contain: "Are they biased, and what comes next?" gets both sections.
    """
    if wants_us(question):
        return Answer(question, (index.plain(index.row_of(CONTACT)),))
    kind = asked_for(question)
    if kind is None and (term := index.named.asked_meaning(question)):
        kind = f"definition of “{term}”, which it only names"
    hits, by_words, meaning = ranked(index, question)
    best = hits[0]
    # A form ("what is it, in plain words?") answers for its passage when that comes first
    key = best.passage.key
    formed = key in pointed_to(question)
    formed = formed and (key not in BROAD or meaning[_row(index, best)] >= MIN_FORMED)
    if not formed and not content_words(question):  # "hi there": no word to carry a topic
        return Answer(question, ())
    close = best.coverage >= MIN_COVERAGE or _close_in_meaning(index, question, best, meaning)
    close = formed or (close and (best.coverage >= 1 or max(meaning) >= MIN_TOPICAL))
    # The sales row by words ("can you build a bot for my shop?"), unless a form asks
    # what the models do ("could one of these run a support bot for my shop?")
    sales = not formed and by_words and by_words[0].passage.key == HANDOFF
    # A form names what is asked and its passage answers it; anything else must also not
    # be doubted (verify.py), which is asked last: a question handed off anyway costs nothing
    if kind or not close or sales or (not formed and _doubted(index, question, best, meaning)):
        return Answer(question, (), _suggestions(index, hits, meaning), kind)
    kept, covered = [best], best.words
    for hit in hits[1:]:
        if len(kept) < MAX_ANSWERS and hit.passage.key != HANDOFF and hit.words - covered:
            kept.append(hit)
            covered |= hit.words
    # Unsure: passages that match as many words, or the one closest in meaning when that
    # is not the answer (the two rankings disagree), are suggested beside it.
    nearest = max(range(len(meaning)), key=meaning.__getitem__)
    rivals = [
        h
        for h in hits[1:]
        if h not in kept and (h.coverage >= best.coverage or _row(index, h) == nearest)
    ]
    return Answer(question, tuple(kept), _suggestions(index, rivals, meaning))


def _close_in_meaning(index: GuideIndex, question: str, best: Hit, meaning: list[float]) -> bool:
    """Close by meaning, and so are the words the passage lacks: "foundation models for
    baking sourdough bread" is close to section 1 for two words, but its others are not."""
    row = _row(index, best)
    if meaning[row] < (MIN_MEANING if best.words else MIN_MEANING_ALONE):
        return False
    rest = [w for w in content_words(question) if w not in best.words]
    return not best.words or index.meanings.similarities(" ".join(rest), [row])[row] >= MIN_REST


def _doubted(index: GuideIndex, question: str, best: Hit, meaning: list[float]) -> bool:
    """The passage is close but, by the fitted model, does not answer what is asked."""
    found = Found(best.coverage, meaning, _row(index, best))
    return index.doubt is not None and index.doubt.doubts(question, found)


def _cued(question: str, cues: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(cue)}\b", question, re.IGNORECASE) for cue in cues)


def _row(index: GuideIndex, hit: Hit) -> int:
    return index.row(hit.passage)


def _suggestions(index: GuideIndex, hits: list[Hit], meaning: list[float]) -> tuple[Passage, ...]:
    close = (
        h.passage
        for h in hits
        if h.passage.key not in _NOT_SUGGESTED and (h.words or meaning[_row(index, h)] >= MIN_CLOSE)
    )
    return tuple(close)[:MAX_SUGGESTIONS]
