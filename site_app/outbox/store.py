"""Storing inquiries and moving them through their states.

An inquiry is written (and committed) before the visitor gets an answer.
Senders claim due rows with a lease: on PostgreSQL through
``FOR UPDATE SKIP LOCKED``, on SQLite through its single writer. The claim
is an UPDATE guarded by the previous lease, so two senders never hold one row.
Every time here is the database's (``db_now``), so hosts agree on when a
lease ends whatever their own clocks say.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from site_app.extensions import db
from site_app.outbox import deliveries
from site_app.outbox.models import DELIVERED, FAILED, PENDING, SPAM, Inquiry, db_now


def message_id_for(token: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<inquiry.{token}@{domain}>"


def find(token: str) -> Inquiry | None:
    return db.session.scalar(select(Inquiry).where(Inquiry.token == token))


def store(
    token: str,
    fields: Mapping[str, str],
    client_hash: str,
    spam_reason: str | None,
    context: Mapping[str, str] | None = None,
) -> tuple[Inquiry, bool]:
    """Save one inquiry; return it and whether it is new (False: Send pressed twice).

    A genuine one is queued, in the same transaction, for every other destination.
    """
    now = db_now()
    inquiry = Inquiry(
        token=token,
        message_id=message_id_for(token, current_app.config["MAIL_DEFAULT_SENDER"]),
        name=fields["name"],
        email=fields["email"],
        service=fields["service"],
        message=fields["message"],
        client_hash=client_hash,
        status=SPAM if spam_reason else PENDING,
        spam_reason=spam_reason,
        created_at=now,
        next_attempt_at=now,
        context=dict(context) if context else None,
    )
    db.session.add(inquiry)
    try:
        if spam_reason is None:
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
    """Take up to ``limit`` due inquiries for ``owner`` until the lease ends."""
    now = db_now()
    due = (
        select(Inquiry.id)
        .where(
            Inquiry.status == PENDING,
            Inquiry.next_attempt_at <= now,
            or_(Inquiry.lease_until.is_(None), Inquiry.lease_until < now),
        )
        .order_by(Inquiry.next_attempt_at, Inquiry.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.rollback()
        return []
    claim_id = f"{owner[:55]}:{uuid.uuid4().hex[:8]}"  # lease_owner holds 64
    db.session.execute(
        update(Inquiry)
        .where(
            Inquiry.id.in_(ids),
            Inquiry.status == PENDING,
            or_(Inquiry.lease_until.is_(None), Inquiry.lease_until < now),
        )
        .values(lease_owner=claim_id, lease_until=now + timedelta(seconds=lease_seconds))
    )
    db.session.commit()
    claimed = list(
        db.session.scalars(
            select(Inquiry)
            .where(Inquiry.id.in_(ids), Inquiry.lease_owner == claim_id)
            .order_by(Inquiry.id)
        )
    )
    db.session.expunge_all()  # detached snapshots: sending must not reload them
    db.session.rollback()
    return claimed


def _finish(inquiry: Inquiry, **values: object) -> bool:
    """Apply ``values`` only if the caller still holds the lease; commit."""
    result = db.session.execute(
        update(Inquiry)
        .where(Inquiry.id == inquiry.id, Inquiry.lease_owner == inquiry.lease_owner)
        .values(lease_owner=None, lease_until=None, **values)
        # The sender's copies are detached snapshots: nothing in the session to update.
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(inquiry: Inquiry) -> bool:
    """Give a claimed inquiry back untried, for any sender to take at once."""
    return _finish(inquiry)


def mark_delivered(inquiry: Inquiry) -> bool:
    now = db_now()
    return _finish(
        inquiry,
        status=DELIVERED,
        attempts=inquiry.attempts + 1,
        delivered_at=now,
        last_attempt_at=now,
        last_error=None,
    )


def backoff(attempts: int) -> float:
    """Seconds before the next try: exponential from the first retry, capped, with jitter."""
    config = current_app.config
    ceiling = min(
        config["OUTBOX_MAX_BACKOFF_SECONDS"],
        config["OUTBOX_FIRST_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0),
    )
    return float(random.uniform(ceiling / 2, ceiling))


def mark_retry(inquiry: Inquiry, error: str) -> str:
    """Record a failed attempt; schedule the next or give up. Return the new status."""
    attempts = inquiry.attempts + 1
    give_up_at = inquiry.created_at + timedelta(
        seconds=current_app.config["OUTBOX_GIVE_UP_SECONDS"]
    )
    now = db_now()
    next_at = now + timedelta(seconds=backoff(attempts))
    status = FAILED if next_at > give_up_at else PENDING
    if status == FAILED:
        error = f"gave up after {attempts} attempts: {error}"
    _finish(
        inquiry,
        status=status,
        attempts=attempts,
        last_error=error,
        last_attempt_at=now,
        next_attempt_at=next_at,
    )
    return status


def mark_failed(inquiry: Inquiry, error: str) -> None:
    _finish(
        inquiry,
        status=FAILED,
        attempts=inquiry.attempts + 1,
        last_error=error,
        last_attempt_at=db_now(),
    )


def counts() -> dict[str, int]:
    rows = db.session.execute(select(Inquiry.status, func.count()).group_by(Inquiry.status))
    found = {status: count for status, count in rows}
    return {status: found.get(status, 0) for status in (PENDING, DELIVERED, FAILED, SPAM)}


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
    statement = update(Inquiry).values(
        status=PENDING, next_attempt_at=db_now(), lease_owner=None, lease_until=None
    )
    if ids:
        statement = statement.where(Inquiry.id.in_(ids), Inquiry.status.in_((FAILED, PENDING)))
    else:
        statement = statement.where(Inquiry.status == FAILED)
    result = db.session.execute(statement)
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge(older_than: timedelta, batch: int = 2000, pause: float = 0.1) -> int:
    """Delete delivered and spam inquiries older than ``older_than``; never pending or failed.

    In batches, each its own short transaction. On SQLite a waiting writer polls for the
    lock (up to every 100 ms), so a pause as long between batches lets a visitor's Send in.
    """
    cutoff = db_now() - older_than
    old = (
        select(Inquiry.id)
        .where(Inquiry.status.in_((DELIVERED, SPAM)), Inquiry.created_at < cutoff)
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
