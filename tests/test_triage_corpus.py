"""The engine on the corpus (site_app/triage/corpus/ and tests/data/triage/). Only the
parts trained on have their figures asserted; `make bench` prints the held-out parts'
(and the cross-author figures) beside them."""

from __future__ import annotations

import pytest

from tests.triage_corpus import GOALS, figures, load, misses, run

SERVICES = {"Chatbot", "AI agents", "Workflow automation", "Custom AI development", "Other"}


# Entries of each kind a part must hold (final is the small part never tuned on).
SIZES = {
    "tuned": (40, 40),
    "blind": (40, 40),
    "training2": (60, 80),
    "final": (25, 30),
    **{f"author_{x}": (60, 60) for x in "abcdefg"},
}
TRAINED = ("tuned", "training2", "author_a", "author_b", "author_c")


@pytest.mark.parametrize("part", list(SIZES))
def test_the_corpus_is_as_the_issue_asks(part: str) -> None:
    entries = load(part)
    genuine = [e for e in entries if e.kind == "genuine"]
    spam = [e for e in entries if e.kind == "spam"]
    assert len(genuine) >= SIZES[part][0] and len(spam) >= SIZES[part][1]
    assert {e.submission.service for e in entries} <= SERVICES
    assert sum(e.tag != "plain" for e in genuine) >= len(genuine) / 3  # look like spam


def test_the_tuned_part_meets_the_goals() -> None:
    results = run(load("tuned"))
    got = figures(results)
    wrong = [(e.tag, e.submission.name, v.outcome, v.reasons) for e, v in misses(results)]
    assert got.spam_out == 1.0 >= GOALS["spam_out"], wrong  # what it reaches
    assert got.genuine_held == 0.0, wrong
    assert got.genuine_spam == GOALS["genuine_spam"], wrong


def test_the_parts_trained_on_meet_the_goals_together() -> None:
    # What it reaches on the parts its model learned from: a regression, not a
    # generalisation figure (the cross-author figures in `make bench` give that).
    results = [pair for part in TRAINED for pair in run(load(part))]
    got = figures(results)
    wrong = [(e.tag, e.submission.name, v.outcome, v.reasons) for e, v in misses(results)]
    assert got.genuine_held <= GOALS["genuine_held"], wrong
    assert got.spam_out >= 0.95, wrong
    assert got.genuine_spam == GOALS["genuine_spam"], wrong


@pytest.mark.parametrize("part", [f"author_{x}" for x in "abcdefg"])
def test_strangers_wrote_more_than_prospects_and_bot_templates(part: str) -> None:
    entries = load(part)
    genuine = {e.tag for e in entries if e.kind == "genuine"}
    spam = {e.tag for e in entries if e.kind == "spam"}
    assert len(genuine) >= 20 and len(spam) >= 20  # kinds, as the list asked
    assert any(e.submission.name and not e.submission.name.isascii() for e in entries)


def test_the_genuine_held_in_the_tuned_part_are_the_autofilled_honeypots() -> None:
    held = [e for e, v in run(load("tuned")) if e.kind == "genuine" and v.outcome != "lead"]
    assert held and all(e.submission.honeypot for e in held)
