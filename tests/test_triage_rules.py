"""The rules file: ops edit it, so every mistake stops the site with the entry's name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from site_app import create_app
from site_app.config import ConfigError
from site_app.triage import RulesError, Submission, judge, load_rules
from site_app.triage.memory import LocalMemory
from site_app.triage.ruleset import DEFAULT

SHIPPED = DEFAULT.read_text(encoding="utf-8")


def edited(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SHIPPED, f"the shipped rules no longer contain {old!r}"
    path = tmp_path / "rules.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_shipped_rules_load() -> None:
    rules = load_rules()
    assert rules.held < rules.spam
    assert "honeypot" in rules.signals and "seo" in rules.phrase_sets
    assert "bit.ly" in rules.shorteners and "google.com" in rules.shared_domains


# (text in the shipped file, what replaces it, what the error must say)
MISTAKES = [
    ("held = 1.0", "held = 3.0", "need 0 < held < spam"),
    ("held = 1.0", 'held = "one"', "thresholds.held: expected a number"),
    ("strong_signals = 2", "strong_signals = 1.5", "thresholds.strong_signals: expected a whole"),
    ("honeypot = { weight = 1.0 }", "honeypot = { weight = 2.5 }", "signals.honeypot.weight"),
    ("honeypot = { weight = 1.0 }", "honeypot = { weight = -1 }", "expected a number >= 0"),
    ("honeypot = { weight = 1.0 }", "", "signals.honeypot: missing"),
    ("honeypot = { weight = 1.0 }", "honeypot = { wieght = 1.0 }", "unknown wieght"),
    ("honeypot = { weight = 1.0 }", "honeypot = { weight = 1.0, strong = 1 }", "true or false"),
    ("[signals]", "[signals]\nhoneypt = { weight = 1 }", "signals: unknown honeypt"),
    ('label = "Gambling promotion"', 'label = ""', "phrases.gambling.label: missing"),
    (
        'weight = 0.7\nmax = 1.4\nstrong = true\nphrases = [\n  "casino"',
        'weight = 0.7\nmax = 0.5\nstrong = true\nphrases = [\n  "casino"',
        "phrases.gambling.max",
    ),
    ("patterns = ['\\bda\\s?\\d{2}(\\+|\\b)']", "patterns = ['da(']", "phrases.backlinks.patterns"),
    ('"casino", ', '"casino", 7, ', "phrases.gambling.phrases: expected a list"),
    ("[phrases.seo]", "[phrases.SEO]", "lower-case name"),
    ('"casino", ', '"ca*", ', "a stem needs 3 letters"),
    ('"casino", ', '"!!", ', "has no letters"),
    ("[thresholds]", "[thresholds]\n[thresholdz]", "top level: unknown thresholdz"),
    ("\n[pitch]\n", "\n[pitchh]\n", "unknown pitchh"),
    ("offer = [", 'offer = ["!", ', "pitch.offer: '!': has no letters"),
    ("[thresholds]", "[thresholds", "not valid TOML"),
]


@pytest.mark.parametrize(("old", "new", "says"), MISTAKES)
def test_a_mistake_in_the_rules_names_the_entry(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    path = edited(tmp_path, old, new)
    with pytest.raises(RulesError, match=re.escape(says)) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)


def test_a_missing_rules_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read it"):
        load_rules(tmp_path / "nowhere.toml")


def test_the_site_refuses_to_start_on_bad_rules(tmp_path: Path) -> None:
    path = edited(tmp_path, "held = 1.0", "held = 9")
    with pytest.raises(ConfigError, match="TRIAGE_RULES: .*held"):
        create_app({"APP_ENV": "testing", "TRIAGE_RULES": str(path)})


def test_ops_change_a_weight_and_the_verdict_follows(tmp_path: Path) -> None:
    submission = Submission("Ann", "ann@example.com", "Other", "Price?", True, 30.0, False, "c")
    assert judge(submission, LocalMemory()).outcome == "held"
    lenient = load_rules(
        edited(tmp_path, "honeypot = { weight = 1.0 }", "honeypot = { weight = 0.5 }")
    )
    assert judge(submission, LocalMemory(), lenient).outcome == "lead"
