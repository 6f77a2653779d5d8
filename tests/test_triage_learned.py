"""The wording model: shipped as data, reproducible from the tuned corpus, read with the
rules, and one light signal among the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_app.triage import RulesError, Submission, judge, load_rules
from site_app.triage.learned import DEFAULT, from_corpus, load_model, main, train
from site_app.triage.memory import LocalMemory
from site_app.triage.ruleset import DEFAULT as RULES
from tests.triage_corpus import CORPUS


def test_the_shipped_model_is_the_tuned_corpus_retrained() -> None:
    shipped = load_model()
    again = from_corpus(CORPUS / "tuned.toml")
    assert shipped == again, "retrain: python -m site_app.triage.learned ... (see learned.py)"


def test_words_of_pitches_weigh_for_spam_and_words_of_requests_against() -> None:
    model = train(
        [
            (True, "we offer a free audit for your website"),
            (True, "we offer cheap backlinks for your website"),
            (False, "we need a chatbot for our clinic"),
            (False, "can you build a chatbot for our shop"),
        ]
    )
    assert model.weights["your website"] > 0 > model.weights["a chatbot"]
    assert model.log_odds("we offer an audit of your website") > 0
    assert model.log_odds("can you build a chatbot for our clinic") < 0


def test_the_command_writes_a_model_the_rules_read(tmp_path: Path) -> None:
    out = tmp_path / "learned.json"
    assert main([str(CORPUS / "tuned.toml"), str(out)]) == 0
    assert load_model(out) == load_model(DEFAULT)
    assert main([]) == 2


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{", "not a model"),
        ('{"prior": 1}', "not a model"),
        ('{"prior": 0, "weights": {"a": "x"}}', "number"),
    ],
)
def test_a_broken_model_file_stops_the_rules(tmp_path: Path, content: str, says: str) -> None:
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text('learned_model = "bad.json"\n' + RULES.read_text("utf-8"), "utf-8")
    with pytest.raises(RulesError, match=says):
        load_rules(rules)


def test_the_learned_signal_alone_never_holds() -> None:
    pitch = (
        "Hi, we help companies like yours grow with our proven outreach system. "
        "Our clients see great results. Would you like a free strategy session?"
    )
    submission = Submission("Al", "al@example.com", "Other", pitch, False, 30.0, False, "c")
    verdict = judge(submission, LocalMemory())
    assert "learned" in verdict.signals
    rules = load_rules()
    assert rules.signals["learned"].weight < rules.held
    assert json.loads(DEFAULT.read_text("utf-8"))["weights"]
