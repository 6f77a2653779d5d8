"""Asking triage about a new submission, once, and putting its verdict in the outbox's terms."""

from __future__ import annotations

from site_app import metrics, triage
from site_app.outbox.corrections import OutboxMemory
from site_app.outbox.models import HELD, PENDING, SPAM
from site_app.outbox.store import Triaged

STATE = {"lead": PENDING, "held": HELD, "spam": SPAM}


def decide(submission: triage.Submission) -> Triaged:
    verdict = triage.judge(submission, OutboxMemory(submission.client))
    metrics.count_signals(verdict.signals)
    return Triaged(
        STATE[verdict.outcome],
        verdict.reasons,
        sorted(verdict.fingerprints),
        verdict.text_fingerprint,
        verdict.signals,
    )
