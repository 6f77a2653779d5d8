"""The rules as the engine reads them: thresholds, signals with their weights, phrase
sets, domain lists and the wording model. Built by ``reader.Reader`` from rules.toml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from site_app.triage.learned import Model
from site_app.triage.phrases import PhraseIndex

DEFAULT = Path(__file__).with_name("rules.toml")
# The pitch signal's three lists, kept in the phrase index under names no set can have.
PITCH_OFFER, PITCH_SELLER, PITCH_BUYER = "pitch.offer", "pitch.seller", "pitch.buyer"

# Each signal's tunable numbers besides weight and strong, with their defaults.
SIGNALS: dict[str, dict[str, float]] = {
    "honeypot": {},
    "fast_fill": {"seconds": 2.5, "weight_confirmed": 0.25},
    "links": {"many": 3},
    "shortener": {},
    "markup": {},
    "name_link": {},
    "name_random": {},
    "gibberish": {"min_words": 2},
    "lookalike": {"min_words": 2},
    "campaign": {"min_clients": 2, "min_words": 8},
    "disposable": {},
    "foreign_link": {},
    "risky_tld": {},
    "no_request": {"min_words": 12},
    "link_only": {"max_words": 12},
    "brand_link": {},
    "empty": {},
    "learned": {
        "at": 1,
        "at_low": 1,
        "weight_low": 0,
        "at_high": 3,
        "weight_high": 1.0,
        "site_shift": 1.0,
        "min_features": 0,
        "at_genuine": -100,
        "relief": 0,
    },
    "taught": {"at": 0.5, "relief": 1.5},
}
# Signals added after a release, used with these entries when a copy of the rules file
# predates them, so an older copy still starts.
LATER: dict[str, dict[str, float | bool]] = {
    "taught": {"weight": 1.0, "strong": True, "at": 0.5, "relief": 1.5},
    "brand_link": {"weight": 0.7},
    "empty": {"weight": 1.0},
}


class RulesError(ValueError):
    """The rules file is wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class Signal:
    weight: float
    strong: bool
    params: Mapping[str, float]


@dataclass(frozen=True)
class PhraseSet:
    name: str
    label: str
    weight: float  # per distinct phrase found
    cap: float  # the most the set adds, however many phrases it finds
    strong: bool


@dataclass(frozen=True)
class Rules:
    held: float
    spam: float
    strong_needed: int
    strong_phrases: int  # a phrase set finding this many distinct phrases counts as strong
    marked_words: int  # a text this long is remembered when sales mark it as spam
    signals: Mapping[str, Signal]
    phrase_sets: Mapping[str, PhraseSet]
    phrases: PhraseIndex
    shorteners: frozenset[str]
    shared_domains: frozenset[str]
    risky_tlds: frozenset[str]
    model: Model
    brands: tuple[str, ...] = ()  # names phishing links dress up in, sorted
