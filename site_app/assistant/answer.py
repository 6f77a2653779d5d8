"""From a question to an answer: the best passages, or a hand-off to the team with the
closest sections beside it.

The passages are ranked (fusion.py), the hand-made gate says whether the best is close
to the question (``route``), and the fitted doubt (verify.py) whether it answers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from site_app.assistant.asking import wants_us
from site_app.assistant.forms import BROAD, pointed_to
from site_app.assistant.fusion import ranked
from site_app.assistant.index import HANDOFF, MAX_LENGTH, MIN_COVERAGE, GuideIndex, Hit, Passage
from site_app.assistant.kinds import asked_for
from site_app.assistant.passages import CONTACT
from site_app.assistant.verify import Found
from site_app.assistant.words import content_words

MAX_ANSWERS = 2
MAX_SUGGESTIONS = 2
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


@dataclass(frozen=True)
class Route:
    """Where a question stands before the doubt is asked."""

    hits: list[Hit]  # every passage either ranking found, best first
    meaning: list[float]  # the question's similarity to each passage, by row
    kind: str | None  # a kind of answer the guide never holds
    formed: bool  # a form names what is asked and the best passage answers it: no doubt
    far: bool  # not close by the hand-made gate: answered only if the doubt is surer
    handed: bool  # handed off whatever the doubt says (a kind, the sales row, no topic word)
    wordless: bool  # no word to carry a topic ("hi there"): handed off with no suggestion


def route(index: GuideIndex, question: str) -> Route:
    """The ranking and the hand-made gate's view of its best passage.

    Close: most of the question's words are in it, or its meaning is close enough; and
    a question sharing only some of the guide's words is near its topic at all.
    """
    kind = asked_for(question)
    if kind is None and (term := index.named.asked_meaning(question)):
        kind = f"definition of “{term}”, which it only names"
    hits, by_words, meaning = ranked(index, question)
    best = hits[0]
    # A form ("what is it, in plain words?") answers for its passage when that comes first
    key = best.passage.key
    formed = key in pointed_to(question)
    formed = formed and (key not in BROAD or meaning[_row(index, best)] >= MIN_FORMED)
    # An editor's [related] word is the guide's by their say: a passage holding every topic
    # word of the question, one through such a word, answers it as a form does
    formed = formed or (best.coverage >= 1 and any(map(index.taught, best.words)))
    close = best.coverage >= MIN_COVERAGE or _close_in_meaning(index, question, best, meaning)
    close = formed or (close and (best.coverage >= 1 or max(meaning) >= MIN_TOPICAL))
    # The sales row by words ("can you build a bot for my shop?"), unless a form asks
    # what the models do ("could one of these run a support bot for my shop?")
    sales = not formed and bool(by_words) and by_words[0].passage.key == HANDOFF
    wordless = not formed and not content_words(question)  # "hi there": no topic word
    # A far passage no nearer in meaning than an off-topic question's ("can it help me
    # lose weight": 0.15) is not the doubt's to answer
    off_topic = not close and meaning[_row(index, best)] < MIN_TOPICAL
    handed = bool(kind) or sales or wordless or off_topic
    return Route(hits, meaning, kind, formed, not close, handed, wordless)


def _answer(index: GuideIndex, question: str) -> Answer:
    """The passages that answer ``question`` as a whole, or none and the closest.

    The first is answered when the gate finds it close and the doubt (verify.py) does
    not doubt it, or the gate finds it far and the doubt is surer of it; never when the
    question asks for a kind of answer the guide never gives. A second passage is given
    only for words of the question the first does not contain: "Are they biased, and
    what comes next?" gets both sections.
    """
    if wants_us(question):
        return Answer(question, (index.plain(index.row_of(CONTACT)),))
    seen = route(index, question)
    hits, meaning, best = seen.hits, seen.meaning, seen.hits[0]
    if seen.wordless:
        return Answer(question, ())
    # A form names what is asked and its passage answers it; anything else must also not
    # be doubted, which is asked last: a question handed off anyway costs nothing
    if seen.handed or (not seen.formed and _doubted(index, question, seen)):
        return Answer(question, (), _suggestions(index, hits, meaning), seen.kind)
    kept, covered = [best], best.words
    for hit in hits[1:]:
        # The contact details answer a request alone, never beside a section ("can they
        # summarise meetings?" shares "meeting" with them)
        if (
            len(kept) < MAX_ANSWERS
            and hit.passage.key not in _NOT_SUGGESTED
            and hit.words - covered
        ):
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


def _doubted(index: GuideIndex, question: str, seen: Route) -> bool:
    """Far by the gate with no fitted model, or, by the model, not what is asked."""
    if index.doubt is None:
        return seen.far
    best = seen.hits[0]
    found = Found(best.coverage, seen.meaning, _row(index, best), seen.far)
    return index.doubt.doubts(question, found)


def _row(index: GuideIndex, hit: Hit) -> int:
    return index.row(hit.passage)


def _suggestions(index: GuideIndex, hits: list[Hit], meaning: list[float]) -> tuple[Passage, ...]:
    close = (
        h.passage
        for h in hits
        if h.passage.key not in _NOT_SUGGESTED and (h.words or meaning[_row(index, h)] >= MIN_CLOSE)
    )
    return tuple(close)[:MAX_SUGGESTIONS]
