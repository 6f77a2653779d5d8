"""Triage: is a submission a lead, possibly spam (held for a person), or certain spam?

The contact view calls ``judge`` once per new submission; the outbox stores the
verdict's outcome as the inquiry's state and its reasons beside it. ``judge`` asks
``memory`` once what the site has seen before (campaigns, what sales marked as spam).
Weights, thresholds and phrase lists live in ``rules.toml`` (see ``rules.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from site_app.config import ConfigError
from site_app.triage import disposable
from site_app.triage.engine import (
    active_rules,
    configure,
    fingerprints,
    judge,
    text_fingerprint,
)
from site_app.triage.model import Memory, Outcome, Recalled, Submission, Verdict
from site_app.triage.rules import load_rules
from site_app.triage.ruleset import Rules, RulesError

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Read the rules file and the disposable domains once, at start-up: a mistake in
    either stops the site here."""
    try:
        configure(app.config.get("TRIAGE_RULES"))
    except RulesError as error:
        raise ConfigError(f"TRIAGE_RULES: {error}") from None
    try:
        disposable.load()
    except (disposable.StaleList, OSError) as error:
        raise ConfigError(f"disposable domains: {error}") from None


__all__ = [
    "Memory",
    "Outcome",
    "Recalled",
    "Rules",
    "RulesError",
    "Submission",
    "Verdict",
    "active_rules",
    "configure",
    "init_app",
    "fingerprints",
    "judge",
    "load_rules",
    "text_fingerprint",
]
