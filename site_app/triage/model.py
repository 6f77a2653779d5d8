"""What the contact view hands the engine, what it gets back, and what the engine may ask
of the site's memory of earlier submissions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Outcome = Literal["lead", "held", "spam"]


@dataclass(frozen=True)
class Submission:
    name: str
    email: str
    service: str
    message: str
    honeypot: bool  # the hidden "website" field came back filled
    fill_seconds: float  # from the form's stamp to the Send that was accepted
    confirmed: bool  # sent a second time after the too-fast notice
    client: str  # the rate limiter's hash of the client key (an IPv6 client is its /64)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    score: float
    reasons: tuple[str, ...] = field(default=())  # human-readable, as sales read them
    signals: tuple[str, ...] = field(default=())  # signal names that fired, for metrics
    # What the outbox stores beside the verdict, worked out once while judging.
    fingerprints: frozenset[str] = field(default=frozenset())
    text_fingerprint: str = ""


@dataclass(frozen=True)
class Recalled:
    """What the site remembers that bears on one submission."""

    marked_spam: bool  # it repeats an address, text or link's site sales marked as spam
    campaign_clients: int  # other clients that sent the same text in the last day
    delivered: bool = False  # it repeats the text of an inquiry sales delivered


class Memory(Protocol):
    """What the site remembers of earlier submissions (the outbox answers this).

    One question per submission, not one per signal: on the outbox each is a round trip
    to the database inside POST /contact.
    """

    def recall(self, fingerprints: frozenset[str], text_fingerprint: str) -> Recalled: ...
