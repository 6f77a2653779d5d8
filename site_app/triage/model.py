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
    client: str  # the rate limiter's hash of the client address


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    score: float
    reasons: tuple[str, ...] = field(default=())  # human-readable, as sales read them
    signals: tuple[str, ...] = field(default=())  # signal names that fired, for metrics
    # What the outbox stores beside the verdict, worked out once while judging.
    fingerprints: frozenset[str] = field(default=frozenset())
    text_fingerprint: str = ""


class Memory(Protocol):
    """What the site remembers of earlier submissions (the outbox answers this)."""

    def marked_spam(self, fingerprints: frozenset[str]) -> bool: ...

    def campaign_clients(self, text_fingerprint: str) -> int:
        """How many other clients sent this text in the last day."""
        ...
