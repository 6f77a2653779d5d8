"""The engine on the corpus written before tuning (tests/data/triage/). Only the tuned
part's figures are asserted; `make bench` prints the blind part's beside them."""

from __future__ import annotations

import pytest

from tests.triage_corpus import GOALS, figures, load, misses, run

SERVICES = {"Chatbot", "AI agents", "Workflow automation", "Custom AI development", "Other"}


@pytest.mark.parametrize("part", ["tuned", "blind"])
def test_the_corpus_is_as_the_issue_asks(part: str) -> None:
    entries = load(part)
    genuine = [e for e in entries if e.kind == "genuine"]
    spam = [e for e in entries if e.kind == "spam"]
    assert len(genuine) >= 40 and len(spam) >= 40
    assert {e.submission.service for e in entries} <= SERVICES
    assert sum(e.tag != "plain" for e in genuine) >= len(genuine) / 3  # look like spam


def test_the_tuned_part_meets_the_goals() -> None:
    results = run(load("tuned"))
    got = figures(results)
    wrong = [(e.tag, e.submission.name, v.outcome, v.reasons) for e, v in misses(results)]
    assert got.spam_out >= GOALS["spam_out"], wrong
    assert got.genuine_held <= GOALS["genuine_held"], wrong
    assert got.genuine_spam == GOALS["genuine_spam"], wrong


def test_the_genuine_held_in_the_tuned_part_are_the_autofilled_honeypots() -> None:
    held = [e for e, v in run(load("tuned")) if e.kind == "genuine" and v.outcome != "lead"]
    assert held and all(e.submission.honeypot for e in held)
