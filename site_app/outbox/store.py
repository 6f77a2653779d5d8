"""Storing inquiries, claiming the due ones, and what the outbox holds.

An inquiry is written (and committed) before the visitor gets an answer.
Its e-mail is claimed and marked under a lease by ``leases``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from site_app.extensions import db
from site_app.outbox import deliveries, leases
from site_app.outbox.models import (
    DELIVERED,
    FAILED,
    KEPT_OUT,
    PENDING,
    STATES,
    Inquiry,
    db_now,
)


@dataclass(frozen=True)
class Triaged:
    """What triage decided for a new inquiry, as the outbox keeps it."""

    outcome: str = PENDING  # PENDING (a lead), HELD or SPAM
    reasons: Sequence[str] = ()
    fingerprints: Sequence[str] = ()
    text_fingerprint: str | None = None
    signals: Sequence[str] = field(default=())


def message_id_for(token: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<inquiry.{token}@{domain}>"


def find(token: str) -> Inquiry | None:
    return db.session.scalar(select(Inquiry).where(Inquiry.token == token))


def store(
    token: str,
    fields: Mapping[str, str],
    client_hash: str,
    triaged: Triaged | None = None,
    context: Mapping[str, object] | None = None,
    unjudged: Mapping[str, object] | None = None,
) -> tuple[Inquiry, bool]:
    """Save one inquiry; return it and whether it is new (False: Send pressed twice).

    A lead is queued, in the same transaction, for every other destination; a held or
    spam one for none (until it is released). With ``unjudged`` (what the request knew,
    ``screening.facts``), it is stored pending and judged by the sender that claims it.
    """
    triaged = triaged or Triaged()
    now = db_now()
    inquiry = Inquiry(
        token=token,
        message_id=message_id_for(token, current_app.config["MAIL_DEFAULT_SENDER"]),
        name=fields["name"],
        email=fields["email"],
        service=fields["service"],
        message=fields["message"],
        client_hash=client_hash,
        status=triaged.outcome,
        reasons=list(triaged.reasons) or None,
        fingerprints=sorted(triaged.fingerprints) or None,
        text_fingerprint=triaged.text_fingerprint,
        created_at=now,
        next_attempt_at=now,
        context=dict(context) if context else None,
        unjudged=dict(unjudged) if unjudged is not None else None,
    )
    db.session.add(inquiry)
    try:
        if triaged.outcome == PENDING and unjudged is None:
            deliveries.add_for(inquiry)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = find(token)
        if existing is None:
            raise
        return existing, False
    return inquiry, True


def claim(owner: str, limit: int, lease_seconds: float) -> list[Inquiry]:
    """Take up to ``limit`` due inquiries for ``owner`` until the lease ends; the mail loop
    judges the unjudged ones among them before it mails any (``screening.screen``)."""
    claimed = leases.claim(Inquiry, select(Inquiry), owner, limit, lease_seconds)
    return [inquiry for (inquiry,) in claimed]


def counts() -> dict[str, int]:
    rows = db.session.execute(select(Inquiry.status, func.count()).group_by(Inquiry.status))
    found = {status: count for status, count in rows}
    return {status: found.get(status, 0) for status in STATES}


def oldest_pending() -> datetime | None:
    return db.session.scalar(select(func.min(Inquiry.created_at)).where(Inquiry.status == PENDING))


def last_error() -> str | None:
    return db.session.scalar(
        select(Inquiry.last_error)
        .where(Inquiry.status.in_((PENDING, FAILED)), Inquiry.last_error.is_not(None))
        .order_by(Inquiry.last_attempt_at.desc())
        .limit(1)
    )


def retry(ids: list[int] | None) -> int:
    """Put failed inquiries (all, or those named) back in the queue, due now."""
    if ids:
        return leases.requeue(Inquiry, Inquiry.id.in_(ids), Inquiry.status.in_((FAILED, PENDING)))
    return leases.requeue(Inquiry, Inquiry.status == FAILED)


def purge(older_than: timedelta, batch: int = 2000, pause: float = 0.1) -> int:
    """Delete delivered, held and spam inquiries older than ``older_than``; never pending or
    failed.

    In batches, each its own short transaction. On SQLite a waiting writer polls for the
    lock (up to every 100 ms), so a pause as long between batches lets a visitor's Send in.
    """
    cutoff = db_now() - older_than
    old = (
        select(Inquiry.id)
        .where(Inquiry.status.in_((DELIVERED, *KEPT_OUT)), Inquiry.created_at < cutoff)
        .limit(batch)
    )
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    removed = 0
    while True:
        result = db.session.execute(delete(Inquiry).where(Inquiry.id.in_(old.scalar_subquery())))
        db.session.commit()
        count = int(result.rowcount)  # type: ignore[attr-defined]
        removed += count
        if count < batch:
            return removed
        if sqlite:
            time.sleep(pause)
