"""From a question to an answer: the best passages, or a hand-off to the team."""

from __future__ import annotations

import re
from dataclasses import dataclass

from site_app.assistant.index import HANDOFF, MAX_LENGTH, MIN_COVERAGE, GuideIndex, Hit

MAX_ANSWERS = 2
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]  # best first; empty when the guide has no good answer

    @property
    def answered(self) -> bool:
        return bool(self.hits)


def clean(question: str) -> str:
    """One line, no control characters (NUL included), no surrounding spaces."""
    return " ".join(_CONTROL.sub(" ", question).split())


def too_long(question: str) -> bool:
    return len(question) > MAX_LENGTH


def answer(index: GuideIndex, question: str) -> Answer:
    """The passages that answer ``question`` (already cleaned), or none.

    A second passage is given only for words of the question the first does
    not contain: "Are they biased, and what comes next?" gets both sections.
    """
    hits = index.search(question)
    if not hits or hits[0].coverage < MIN_COVERAGE or hits[0].passage.key == HANDOFF:
        return Answer(question, ())
    kept, covered = [hits[0]], hits[0].words
    for hit in hits[1:]:
        if len(kept) < MAX_ANSWERS and hit.passage.key != HANDOFF and hit.words - covered:
            kept.append(hit)
            covered |= hit.words
    return Answer(question, tuple(kept))
