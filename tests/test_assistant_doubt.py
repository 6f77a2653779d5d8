"""The doubt: a fitted model that hands off a close passage when it does not answer what
is asked (site_app/assistant/verify.py, fitted by site_app/assistant/fit.py)."""

from __future__ import annotations

import json
import re

import pytest

from site_app.assistant.answer import answer, clean, route
from site_app.assistant.asking import wants_us
from site_app.assistant.fit import fit
from site_app.assistant.index import GuideIndex
from site_app.assistant.neighbours import MEMORY
from site_app.assistant.verify import MODEL, Found
from site_app.guide.content import load_guide
from tests.assistant_quality import DOUBT_ONLY, HANDOFF, NEVER_TUNED, load_questions, score


@pytest.fixture(scope="module")
def indexes() -> tuple[GuideIndex, GuideIndex]:
    guide = load_guide()
    return GuideIndex(guide), GuideIndex(guide, doubting=False)


# A refit of every part: about 4.5 minutes alone on this machine, twice that when it is busy,
# and the suite's 300 s default is meant for hangs, not for this.
@pytest.mark.timeout(1200)
def test_the_shipped_model_is_the_one_the_questions_give() -> None:
    """Nobody edits doubt.json by hand or forgets to refit after the engine changes: a
    refit on the same parts (the never-tuned ones left out) gives the same weights."""
    parts = {k: v for k, v in load_questions().items() if k not in NEVER_TUNED}
    (refitted, memory), shipped = fit(parts), json.loads(MODEL.read_text(encoding="utf-8"))
    assert memory.tobytes() == MEMORY.read_bytes()  # the questions the doubt remembers
    assert refitted["parts"] == shipped["parts"]
    assert refitted["threshold"] == shipped["threshold"]
    assert refitted["weights"] == pytest.approx(shipped["weights"], abs=1e-4)
    assert refitted["bias"] == pytest.approx(shipped["bias"], abs=1e-4)


def test_the_doubt_hands_off_what_it_learned_and_still_offers_the_right_section(
    indexes: tuple[GuideIndex, GuideIndex],
) -> None:
    """On the parts it was fitted on, the doubt hands off at least 0.9 of what the guide
    does not answer (the issue's goal, pooled), each part far more than without it, and
    a reader of an answerable question is still shown the right section (as an answer or
    beside "Ask our team") as often as without it."""
    doubting, plain = indexes
    pooled = [q for part in DOUBT_ONLY for q in load_questions()[part]]
    first, _, handed_off = score(doubting, pooled)
    assert handed_off >= 0.9
    assert first >= score(plain, pooled)[0] - 0.03
    for part in DOUBT_ONLY:
        questions = load_questions()[part]
        first, among, handed_off = score(doubting, questions)
        plain_first, plain_among, plain_handed_off = score(plain, questions)
        # More than without it in every part. Since round nine the doubt also answers some
        # passages the gate alone hands off (far ones, at a lower threshold), so a part's
        # gain is net of those: the forty-sixth 0.78 -> 0.87, the forty-eighth 0.87 -> 0.93
        # (the bound was +0.1, or 0.95, while the gate's hand-offs were all kept).
        assert handed_off >= plain_handed_off + 0.05, part
        # At most two of the part's answerable questions lose their section (0.02 of 80 was
        # 1.6 questions; round seven's threshold costs the fortieth two).
        answerable = sum(q["expect"] != HANDOFF for q in questions)
        assert among >= plain_among - 2 / answerable - 1e-9, part
        # Right first may give a little more in one part: the forty-eighth's questions mix
        # Spanish and Portuguese into English, and the doubt hands five of its 80 answerable
        # ones to the team with their section beside (``among`` above) rather than answer.
        assert first >= plain_first - 0.07, part


def test_a_close_passage_that_does_not_answer_is_handed_off_with_it_beside(
    indexes: tuple[GuideIndex, GuideIndex],
) -> None:
    """Of the look-alikes the ranker alone answers (a comparison of models the guide names,
    a how-to, advice, Glissando's own tools...), in the parts the doubt learned from, it
    hands most to the team, each with the closest sections one click away. It is a model,
    not a rule per example: which ones it misses moves with every refit (it missed "GPT vs
    Llama, which one should my startup pick" after round four's parts), the share must not."""
    doubting, plain = indexes
    lookalikes = [
        q["q"]
        for part in DOUBT_ONLY
        for q in load_questions()[part]
        if q["expect"] == HANDOFF and answer(plain, clean(q["q"])).answered
    ]
    doubted = [answer(doubting, clean(question)) for question in lookalikes]
    handed_off = [a for a in doubted if not a.answered]
    assert len(lookalikes) >= 100
    assert len(handed_off) >= 0.7 * len(lookalikes)
    assert all(a.suggestions for a in handed_off)


@pytest.mark.parametrize(
    ("question", "expect"),
    [
        ("What are foundation models?", "what-are-foundation-models"),
        ("what are the risks", "challenges-and-concerns"),
        ("how can I reach your sales team?", "contact"),
    ],
)
def test_plain_questions_the_guide_answers_are_not_doubted(
    indexes: tuple[GuideIndex, GuideIndex], question: str, expect: str
) -> None:
    result = answer(indexes[0], clean(question))
    assert (result.hits[0].passage.key if result.answered else HANDOFF) == expect


def test_a_far_passage_is_answered_only_when_the_doubt_is_surer(
    indexes: tuple[GuideIndex, GuideIndex],
) -> None:
    """Round nine: the passages the hand-made gate calls far are the doubt's to answer too,
    at a lower threshold than close ones. On the parts it learned from, it answers many
    of them rightly, each with a doubt below that threshold, and none without it (the
    gate alone hands every far passage off)."""
    doubting, plain = indexes
    assert doubting.doubt is not None
    assert 0 < doubting.doubt.threshold_far < doubting.doubt.threshold
    right = 0
    for part in DOUBT_ONLY:
        for q in load_questions()[part]:
            asked = clean(q["q"])
            seen = route(doubting, asked)
            one_sentence = len(re.split(r"(?<=[.?!])\s+", asked)) == 1  # no last one tried
            if not seen.far or seen.handed or seen.formed or wants_us(asked) or not one_sentence:
                continue
            got = answer(doubting, asked)
            if got.answered and got.hits[0].passage.key == q["expect"]:
                best = seen.hits[0]
                found = Found(best.coverage, seen.meaning, doubting.row(best.passage), True)
                assert doubting.doubt.of(asked, found) <= doubting.doubt.threshold_far
                right += 1
            assert not answer(plain, asked).answered, asked
    assert right >= 25  # 34 with the shipped model; none with the far threshold at 0
