"""The signals of what a message says: the rules' phrase sets, the shape of a pitch
(offers, asks for nothing), and the learned wording model."""

from __future__ import annotations

from site_app.triage.ruleset import PITCH_BUYER, PITCH_OFFER, PITCH_SELLER, Signal
from site_app.triage.signals import Facts, Hit, signal


@signal
def pitch(facts: Facts, rule: Signal) -> str | None:
    offers = facts.phrases.get(PITCH_OFFER, [])
    sells = facts.phrases.get(PITCH_SELLER, [])
    if not offers or not sells or PITCH_BUYER in facts.phrases:
        return None
    quoted = ", ".join(f"“{p}”" for p in (sells[0], offers[0]))
    return f"Offers the sender's services and asks for nothing: {quoted}"


_ENGLISH = frozenset(
    "the and to of a is we you your our i for with this that in it are be on have".split()
)


@signal
def no_request(facts: Facts, rule: Signal) -> str | None:
    """Inquiries ask for something ("we need", "can you", "how much"); pitches and scams
    tell. Judged on English-looking text only: the buyer phrases are mostly English."""
    message = facts.submission.message
    if facts.words < rule.params["min_words"] or PITCH_BUYER in facts.phrases:
        return None
    if PITCH_OFFER in facts.phrases and PITCH_SELLER in facts.phrases:
        return None  # the pitch signal already counts this absence
    words = message.casefold().split()
    if sum(w in _ENGLISH for w in words) < 0.15 * len(words):
        return None  # another language: the buyer phrases would not know its requests
    return "Asks for nothing: no request, question about the service or need in it"


@signal
def learned(facts: Facts, rule: Signal) -> str | None:
    odds = facts.rules.model.log_odds(facts.submission.message)
    if odds < rule.params["at"]:
        return None
    return f"Worded like the spam the filter learned from (log odds {odds:.0f})"


def phrase_hits(facts: Facts) -> list[Hit]:
    rules, hits = facts.rules, []
    for name, phrases in facts.phrases.items():
        rule = rules.phrase_sets.get(name)
        if rule is None:
            continue  # the pitch signal's lists
        points = min(rule.cap, rule.weight * len(phrases))
        quoted = ", ".join(f"“{p}”" for p in phrases[:3])
        strong = rule.strong or len(phrases) >= rules.strong_phrases
        hits.append(Hit(name, points, f"{rule.label}: {quoted}", strong))
    return hits
