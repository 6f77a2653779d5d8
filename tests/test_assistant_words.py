"""Visitors' words the guide does not use: related words editors list, misspellings,
words of one root the stemmer keeps apart, and filler around the topic."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_app.assistant.answer import route
from site_app.assistant.index import GuideIndex
from site_app.assistant.words import Vocabulary, content_words
from site_app.guide.content import CONTENT_FILE, load_guide
from tests.assistant_quality import HANDOFF, first_answer


@pytest.fixture(scope="module")
def index() -> GuideIndex:
    return GuideIndex(load_guide())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # [related] in guide.toml: a word the guide never uses, in any form of it
        ("upsides", "benefits-of-foundation-models"),
        ("Are they racist?", "challenges-and-concerns"),
        ("how do they change banking", "why-do-they-matter"),
        ("tldr", "takeaways"),
        # misspelt: read as the guide's closest word
        ("wat is a foundaton model", "what-are-foundation-models"),
        # one root, two Porter stems: safe/safety, risky/risks
        ("are they safe", "challenges-and-concerns"),
        ("are they risky", "challenges-and-concerns"),
        # rambling: the filler around the topic words does not dilute them
        (
            "I keep hearing about GPT and BERT at work and my boss wants me to understand "
            "what they actually are, can you explain in simple terms",
            "what-are-foundation-models",
        ),
    ],
)
def test_words_the_guide_does_not_use(index: GuideIndex, question: str, expected: str) -> None:
    assert first_answer(index, question) == expected


@pytest.mark.parametrize(
    ("question", "near"),
    [
        ("foundation models for baking sourdough bread", "baking"),  # not banking
        ("Do you work with startups?", "startups"),  # not starting
        ("How do I reset my password?", "reset"),  # not reuse
    ],
)
def test_near_words_are_not_taken_for_the_guides(
    index: GuideIndex, question: str, near: str
) -> None:
    """Looked up as themselves, so no passage holds them. (Whether "foundation models for
    baking sourdough bread" is then answered is the doubt's call on a far passage: since
    round ten it is, a known miss: docs/design.md.)"""
    assert index.terms(near) == [near]
    assert all(near not in hit.words for hit in route(index, question).hits)


@pytest.mark.parametrize(
    "question", ["Do you work with startups?", "How do I reset my password?", "hi there"]
)
def test_questions_of_near_words_or_filler_are_handed_off(index: GuideIndex, question: str) -> None:
    assert first_answer(index, question) == HANDOFF


def test_spelling_and_roots_come_from_the_guides_own_words() -> None:
    known = Vocabulary(["Foundation models raise safety risks", "drug discovery"])
    assert known.respelt("foundaton") == "foundation"
    assert known.respelt("safe") == "safety"
    assert known.respelt("risky") == "risks"
    assert known.respelt("models") is None  # known already
    assert known.respelt("startups") is None
    assert known.respelt("x" * 300) is None


def test_filler_is_not_a_topic() -> None:
    assert content_words("Hey, I was wondering, basically, what are the risks?") == ["risks"]


def test_editors_add_related_words_in_the_content_file(tmp_path: Path) -> None:
    edited = tmp_path / "guide.toml"
    text = CONTENT_FILE.read_text(encoding="utf-8")
    edited.write_text(text + 'radiology = ["image recognition"]\n', encoding="utf-8")
    before, after = GuideIndex(load_guide()), GuideIndex(load_guide(edited))
    assert first_answer(before, "radiology?") == HANDOFF
    assert first_answer(after, "radiology?") == "real-world-applications"


def test_a_related_entry_must_be_words(tmp_path: Path) -> None:
    text = CONTENT_FILE.read_text(encoding="utf-8")
    one = tmp_path / "one.toml"
    one.write_text(text + 'radiology = "image recognition"\n', encoding="utf-8")
    assert dict(load_guide(one).related)["radiology"] == ("image recognition",)  # not letters
    bad = tmp_path / "bad.toml"
    bad.write_text(text + "radiology = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="related.radiology must be a list of words"):
        load_guide(bad)


def test_swapped_letters_are_respelt_for_the_meaning_too(index: GuideIndex) -> None:
    """Two letters swapped ("modles"): found as "models", and the meaning reads the guide's
    spelling; a real word the guide lacks ("expert", "custom") is left as written."""
    assert Vocabulary(["foundation models"]).respelt("modles") == "models"
    assert index.respelt("explain foundaton modles pls") == "explain foundation models pls"
    assert index.respelt("can I speak with an expert") == "can I speak with an expert"
    assert index.respelt("a custom chatbot") == "a custom chatbot"
