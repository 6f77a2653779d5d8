"""Triage: is a submission a lead, possibly spam (held for a person), or certain spam?

The contact view calls ``judge`` once per new submission; the outbox stores the
verdict's outcome as the inquiry's state and its reasons beside it. Signals that need
what the site has seen before (campaigns, what sales marked as spam) ask ``memory``.
"""

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


class Memory(Protocol):
    """What the site remembers of earlier submissions (the outbox answers this)."""

    def marked_spam(self, fingerprints: frozenset[str]) -> bool: ...

    def campaign_clients(self, text_fingerprint: str) -> int:
        """How many other clients sent this text in the last day."""
        ...


def fingerprints(submission: Submission) -> frozenset[str]:
    """Marks that a later submission repeating this one would share (address, text, link
    domains): stored with an inquiry and remembered when sales mark it as spam."""
    raise NotImplementedError  # filled in by the triage engine


def text_fingerprint(message: str) -> str:
    raise NotImplementedError  # filled in by the triage engine


def judge(submission: Submission, memory: Memory) -> Verdict:
    """Placeholder until the engine lands: the honeypot holds, never drops."""
    if submission.honeypot:
        return Verdict("held", 1.0, ("The hidden website field was filled in",), ("honeypot",))
    return Verdict("lead", 0.0)
