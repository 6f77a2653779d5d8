"""The engine on the corpus (tests/data/triage/). Only the parts trained on (tuned,
training2) have their figures asserted; `make bench` prints the held-out parts' beside
them."""

from __future__ import annotations

import pytest

from tests.triage_corpus import GOALS, figures, load, misses, run

SERVICES = {"Chatbot", "AI agents", "Workflow automation", "Custom AI development", "Other"}


# Entries of each kind a part must hold (final is the small part never tuned on).
SIZES = {"tuned": (40, 40), "blind": (40, 40), "training2": (60, 80), "final": (25, 30)}


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


def test_the_second_training_part_is_all_caught_and_no_person_held() -> None:
    # What it reaches with the model trained on it: a regression, not a generalisation
    # figure (cross-validation gives that: docs/design.md, "The wording model").
    results = run(load("training2"))
    got = figures(results)
    wrong = [(e.tag, e.submission.name, v.outcome, v.reasons) for e, v in misses(results)]
    assert (got.spam_out, got.genuine_held, got.genuine_spam) == (1.0, 0.0, 0.0), wrong


def test_the_genuine_held_in_the_tuned_part_are_the_autofilled_honeypots() -> None:
    held = [e for e, v in run(load("tuned")) if e.kind == "genuine" and v.outcome != "lead"]
    assert held and all(e.submission.honeypot for e in held)
