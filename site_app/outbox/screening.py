"""Judging inquiries in the outbox, before the sender mails them (after-queue filtering).

POST /contact stores an inquiry as pending and unjudged, with what only the request
knew (``unjudged``: the honeypot, the form's seconds, a confirmed too-fast send), and
thanks the visitor: triage is not on the request's path. The mail loop judges the
unjudged ones in the batch it claimed, under its lease, then mails the leads; the webhook
loop and ``flask outbox digest`` claim unjudged ones to judge first. Under a lease, one
loop on one host judges each once, and nothing is mailed or posted before it is judged: a
lead is queued for the webhook, a held or spam one kept out for the digest. An inquiry
triage cannot judge (an error in the engine) is mailed as a lead: an inquiry is never lost
to its filter.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import null, select, update

from site_app import metrics, triage
from site_app.extensions import db
from site_app.outbox import deliveries, leases
from site_app.outbox.corrections import OutboxMemory
from site_app.outbox.models import HELD, PENDING, SPAM, Inquiry
from site_app.outbox.store import Triaged

log = logging.getLogger(__name__)
STATE = {"lead": PENDING, "held": HELD, "spam": SPAM}
NOT_JUDGED = "Not judged: triage failed on it, so it was mailed as a lead"


def facts(honeypot: bool, fill_seconds: float, confirmed: bool) -> dict[str, object]:
    """What the request knew that judging needs, as ``Inquiry.unjudged`` keeps it."""
    return {"honeypot": honeypot, "fill_seconds": round(fill_seconds, 3), "confirmed": confirmed}


def decide(submission: triage.Submission) -> Triaged:
    """Triage's verdict on one submission, in the outbox's terms."""
    verdict = triage.judge(submission, OutboxMemory(submission.client))
    metrics.count_signals(verdict.signals)
    return Triaged(
        STATE[verdict.outcome],
        verdict.reasons,
        sorted(verdict.fingerprints),
        verdict.text_fingerprint,
        verdict.signals,
    )


def screen(batch: Sequence[Inquiry]) -> list[Inquiry]:
    """The mail loop's claimed batch, each unjudged one judged in the order they arrived (a
    campaign's first copy is on record before its second is judged): those to mail now,
    still under the loop's lease."""
    return [i for i in batch if i.unjudged is None or _judge(i, keep_lease=True) == PENDING]


def judge_due(owner: str, limit: int, lease_seconds: float) -> int:
    """Claim up to ``limit`` unjudged inquiries and judge them; a lead is handed back at
    once, due, for the mail and webhook loops. The webhook loop and ``flask outbox digest``
    run this first. Returns how many it judged."""
    unjudged = Inquiry.unjudged.is_not(None)
    batch = leases.claim(Inquiry, select(Inquiry), owner, limit, lease_seconds, unjudged)
    return sum(_judge(inquiry, keep_lease=False) is not None for (inquiry,) in batch)


def _judge(inquiry: Inquiry, keep_lease: bool) -> str | None:
    """Judge and record one inquiry under its lease: the state it is left in, or None if
    the lease had passed (another sender judges it)."""
    request = inquiry.unjudged or {}
    submission = triage.Submission(
        name=inquiry.name,
        email=inquiry.email,
        service=inquiry.service,
        message=inquiry.message,
        honeypot=bool(request.get("honeypot")),
        fill_seconds=float(request.get("fill_seconds", 0.0)),
        confirmed=bool(request.get("confirmed")),
        client=inquiry.client_hash,
    )
    try:
        verdict = decide(submission)
    except Exception:  # an engine bug must not keep a person's inquiry from sales
        log.exception("inquiry %s: triage failed; mailed as a lead, unjudged", inquiry.id)
        db.session.rollback()
        verdict, outcome = Triaged(PENDING, (NOT_JUDGED,)), "error"
    else:
        outcome = "lead" if verdict.outcome == PENDING else verdict.outcome
    values: dict[str, object] = {
        "status": verdict.outcome,
        "unjudged": null(),
        "reasons": list(verdict.reasons) or null(),
        "fingerprints": list(verdict.fingerprints) or null(),
        "text_fingerprint": verdict.text_fingerprint,
    }
    if verdict.outcome != PENDING or not keep_lease:  # off this sender's hands
        values |= {"lease_owner": None, "lease_until": None}
    result = db.session.execute(
        update(Inquiry)
        .where(Inquiry.id == inquiry.id, Inquiry.lease_owner == inquiry.lease_owner)
        .where(Inquiry.unjudged.is_not(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()  # its lease passed to another sender, which judges it
        return None
    if verdict.outcome == PENDING:
        deliveries.add_for(inquiry)  # the webhook, in the same transaction
    db.session.commit()
    metrics.count_verdict(outcome)
    log.info("inquiry %s judged: %s %s", inquiry.id, outcome, list(verdict.signals))
    return verdict.outcome
