"""Reading rules.toml: every entry checked, every mistake named by its key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from site_app.triage.learned import Model
from site_app.triage.phrases import PhraseIndex
from site_app.triage.ruleset import (
    LATER,
    PITCH_BUYER,
    PITCH_OFFER,
    PITCH_SELLER,
    SIGNALS,
    PhraseSet,
    Rules,
    RulesError,
    Signal,
)


class Reader:
    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, problem: str) -> RulesError:
        return RulesError(f"{self.where}: {key}: {problem}")

    def table(self, data: Mapping[str, Any], key: str, name: str) -> Mapping[str, Any]:
        value = data.get(name)
        if not isinstance(value, dict):
            raise self.fail(key, "missing, or not a table")
        return value

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        name: str,
        default: float | None,
        signed: bool = False,  # log odds: below 0 means "less likely spam than not"
    ) -> float:
        value = data.get(name, default)
        if value is None:
            raise self.fail(f"{key}.{name}", "missing (a number is needed)")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{key}.{name}", f"expected a number, got {value!r}")
        if value < 0 and not signed:
            raise self.fail(f"{key}.{name}", f"expected a number >= 0, got {value!r}")
        return float(value)

    def count(self, data: Mapping[str, Any], key: str, default: int) -> int:
        value = self.number(data, key.rsplit(".", 1)[0], key.rsplit(".", 1)[1], default)
        if value < 1 or value != int(value):
            raise self.fail(key, f"expected a whole number >= 1, got {value:g}")
        return int(value)

    def strings(self, data: Mapping[str, Any], key: str) -> list[str]:
        value = data.get(key.rsplit(".", 1)[-1], [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "expected a list of non-empty strings")
        return [v.strip() for v in value]

    def unknown(self, data: Mapping[str, Any], key: str, known: set[str]) -> None:
        extra = sorted(set(data) - known)
        if extra:
            raise self.fail(key, f"unknown {', '.join(extra)} (known: {', '.join(sorted(known))})")

    def rules(self, data: Mapping[str, Any]) -> Rules:
        known = {"thresholds", "signals", "pitch", "domains", "phrases", "learned_model"}
        self.unknown(data, "top level", known)
        limits = self.table(data, "thresholds", "thresholds")
        self.unknown(
            limits,
            "thresholds",
            {"held", "spam", "strong_signals", "strong_phrases", "marked_words"},
        )
        held = self.number(limits, "thresholds", "held", None)
        spam = self.number(limits, "thresholds", "spam", None)
        if not 0 < held < spam:
            raise self.fail("thresholds", f"need 0 < held < spam, got held={held}, spam={spam}")
        strong_needed = self.count(limits, "thresholds.strong_signals", 2)
        strong_phrases = self.count(limits, "thresholds.strong_phrases", 2)
        marked_words = self.count(limits, "thresholds.marked_words", 4)
        signals = self.signals(self.table(data, "signals", "signals"), spam)
        domains = data.get("domains", {})
        self.unknown(domains, "domains", {"shorteners", "shared", "risky_tlds", "brands"})
        index = PhraseIndex()
        sets = self.phrases(data.get("phrases", {}), spam, index)
        signals["pitch"] = self.pitch(self.table(data, "pitch", "pitch"), spam, index)
        return Rules(
            held=held,
            spam=spam,
            strong_needed=strong_needed,
            strong_phrases=strong_phrases,
            marked_words=marked_words,
            signals=signals,
            phrase_sets=sets,
            phrases=index,
            shorteners=frozenset(d.lower() for d in self.strings(domains, "domains.shorteners")),
            shared_domains=frozenset(d.lower() for d in self.strings(domains, "domains.shared")),
            model=Model(0.0, {}),
            risky_tlds=frozenset(
                d.lower().lstrip(".") for d in self.strings(domains, "domains.risky_tlds")
            ),
            brands=tuple(sorted({b.lower() for b in self.strings(domains, "domains.brands")})),
        )

    def weight(self, data: Mapping[str, Any], key: str, spam: float) -> tuple[float, bool]:
        weight = self.number(data, key, "weight", None)
        if weight >= spam:
            raise self.fail(
                f"{key}.weight",
                f"{weight} reaches the spam threshold ({spam}): no one signal "
                "may file an inquiry as certain spam on its own",
            )
        strong = data.get("strong", False)
        if not isinstance(strong, bool):
            raise self.fail(f"{key}.strong", f"expected true or false, got {strong!r}")
        return weight, strong

    def signals(self, data: Mapping[str, Any], spam: float) -> dict[str, Signal]:
        self.unknown(data, "signals", set(SIGNALS))
        signals = {}
        for name, defaults in SIGNALS.items():
            key = f"signals.{name}"
            entry = data.get(name, LATER.get(name))
            if not isinstance(entry, dict):
                raise self.fail(key, "missing, or not a table (weight = 0 turns a signal off)")
            self.unknown(entry, key, {"weight", "strong", *defaults})
            weight, strong = self.weight(entry, key, spam)
            params = {
                p: self.number(entry, key, p, d, signed=p.startswith("at"))
                for p, d in defaults.items()
            }
            for param, value in params.items():
                if param.startswith("weight_") and value >= spam:
                    raise self.fail(
                        f"{key}.{param}",
                        f"{value} reaches the spam threshold ({spam}): no one signal "
                        "may file an inquiry as certain spam on its own",
                    )
            signals[name] = Signal(weight, strong, params)
        return signals

    def pitch(self, data: Mapping[str, Any], spam: float, index: PhraseIndex) -> Signal:
        """A pitch offers (seller and offer phrases) and asks for nothing (no buyer one). An
        existing relationship (``relationship``, optional) is read as asking, as a buyer."""
        known = {"weight", "strong", "offer", "seller", "buyer", "relationship"}
        self.unknown(data, "pitch", known)
        weight, strong = self.weight(data, "pitch", spam)
        for part, name in (
            ("offer", PITCH_OFFER),
            ("seller", PITCH_SELLER),
            ("buyer", PITCH_BUYER),
            ("relationship", PITCH_BUYER),
        ):
            phrases = self.strings(data, f"pitch.{part}")
            if not phrases and part != "relationship":
                raise self.fail(f"pitch.{part}", "lists no phrases")
            for phrase in phrases:
                self.check_phrase(f"pitch.{part}", phrase)
                index.add(name, phrase)
        return Signal(weight, strong, {})

    def check_phrase(self, key: str, phrase: str) -> None:
        if phrase.endswith("*") and len(phrase.rstrip("*").strip()) < 3:
            raise self.fail(key, f"{phrase!r}: a stem needs 3 letters")
        if not re.search(r"\w", phrase):
            raise self.fail(key, f"{phrase!r}: has no letters")

    def phrases(
        self, data: Mapping[str, Any], spam: float, index: PhraseIndex
    ) -> dict[str, PhraseSet]:
        sets = {}
        for name, entry in data.items():
            key = f"phrases.{name}"
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or not isinstance(entry, dict):
                raise self.fail(key, "a set needs a lower-case name (a-z, 0-9, _) and a table")
            self.unknown(entry, key, {"label", "weight", "max", "strong", "phrases", "patterns"})
            label = entry.get("label")
            if not isinstance(label, str) or not label.strip():
                raise self.fail(f"{key}.label", "missing: the words sales read for this set")
            weight, strong = self.weight(entry, key, spam)
            cap = self.number(entry, key, "max", weight)
            if not weight <= cap < spam:
                raise self.fail(f"{key}.max", f"need weight <= max < spam ({spam}), got {cap}")
            phrases = self.strings(entry, f"{key}.phrases")
            for phrase in phrases:
                self.check_phrase(f"{key}.phrases", phrase)
                index.add(name, phrase)
            patterns = self.strings(entry, f"{key}.patterns")
            for pattern in patterns:
                try:
                    index.add_pattern(name, pattern)
                except re.error as error:
                    raise self.fail(f"{key}.patterns", f"{pattern!r}: {error}") from None
            if not phrases and not patterns:
                raise self.fail(key, "lists no phrases and no patterns")
            sets[name] = PhraseSet(name, label.strip(), weight, cap, strong)
        return sets
