"""Delivery rows: one per inquiry and destination other than e-mail (the webhook).

They move through the same states as an inquiry's e-mail (pending,
delivered, failed) with their own attempts, backoff and lease, so a
destination that is down never holds up another. Claims work as for e-mail:
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, guarded by the previous lease.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, or_, select, update

from site_app.extensions import db
from site_app.outbox import store  # backoff; store imports this module too
from site_app.outbox.models import (
    DELIVERED,
    FAILED,
    PENDING,
    WEBHOOK,
    Delivery,
    Inquiry,
    db_now,
)


def destinations() -> list[str]:
    """The destinations besides e-mail that new inquiries go to, as configured."""
    return [WEBHOOK] if current_app.config["WEBHOOK_URL"] else []


def add_for(inquiry: Inquiry) -> None:
    """Queue ``inquiry`` for every configured destination, in the caller's transaction."""
    wanted = destinations()
    if not wanted:
        return
    db.session.flush()  # the inquiry's id
    for destination in wanted:
        db.session.add(
            Delivery(
                inquiry_id=inquiry.id,
                destination=destination,
                event_id=f"msg_{uuid.uuid4().hex}",
                status=PENDING,
                attempts=0,
                next_attempt_at=inquiry.created_at,
            )
        )


def _unleased(now: datetime) -> ColumnElement[bool]:
    return or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)


def claim(
    destination: str, owner: str, limit: int, lease_seconds: float
) -> list[tuple[Delivery, Inquiry]]:
    """Take up to ``limit`` due deliveries to ``destination``, as detached snapshots."""
    now = db_now()
    due = (
        select(Delivery.id)
        .where(
            Delivery.destination == destination,
            Delivery.status == PENDING,
            Delivery.next_attempt_at <= now,
            _unleased(now),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.rollback()
        return []
    claim_id = f"{owner[:55]}:{uuid.uuid4().hex[:8]}"
    db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == PENDING, _unleased(now))
        .values(lease_owner=claim_id, lease_until=now + timedelta(seconds=lease_seconds))
    )
    db.session.commit()
    claimed = [
        (delivery, inquiry)
        for delivery, inquiry in db.session.execute(
            select(Delivery, Inquiry)
            .join(Inquiry, Inquiry.id == Delivery.inquiry_id)
            .where(Delivery.id.in_(ids), Delivery.lease_owner == claim_id)
            .order_by(Delivery.id)
        )
    ]
    db.session.expunge_all()
    db.session.rollback()
    return claimed


def _finish(delivery: Delivery, **values: object) -> bool:
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.lease_owner == delivery.lease_owner)
        .values(lease_owner=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(delivery: Delivery) -> bool:
    return _finish(delivery)


def mark_delivered(delivery: Delivery) -> bool:
    now = db_now()
    return _finish(
        delivery,
        status=DELIVERED,
        attempts=delivery.attempts + 1,
        delivered_at=now,
        last_attempt_at=now,
        last_error=None,
    )


def mark_retry(delivery: Delivery, created_at: datetime, error: str) -> str:
    """Record a failed attempt; schedule the next or give up. Return the new status."""
    attempts = delivery.attempts + 1
    give_up_at = created_at + timedelta(seconds=current_app.config["OUTBOX_GIVE_UP_SECONDS"])
    now = db_now()
    next_at = now + timedelta(seconds=store.backoff(attempts))
    status = FAILED if next_at > give_up_at else PENDING
    _finish(
        delivery,
        status=status,
        attempts=attempts,
        last_error=error,
        last_attempt_at=now,
        next_attempt_at=next_at,
    )
    return status


def counts(destination: str) -> dict[str, int]:
    rows = db.session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.destination == destination)
        .group_by(Delivery.status)
    )
    found = {status: count for status, count in rows}
    return {status: found.get(status, 0) for status in (PENDING, DELIVERED, FAILED)}


def oldest_pending(destination: str) -> datetime | None:
    return db.session.scalar(
        select(func.min(Inquiry.created_at))
        .join(Delivery, Delivery.inquiry_id == Inquiry.id)
        .where(Delivery.destination == destination, Delivery.status == PENDING)
    )


def last_error(destination: str) -> str | None:
    return db.session.scalar(
        select(Delivery.last_error)
        .where(
            Delivery.destination == destination,
            Delivery.status.in_((PENDING, FAILED)),
            Delivery.last_error.is_not(None),
        )
        .order_by(Delivery.last_attempt_at.desc())
        .limit(1)
    )


def of(inquiry_ids: list[int]) -> dict[int, list[Delivery]]:
    found: dict[int, list[Delivery]] = {}
    rows = db.session.scalars(
        select(Delivery).where(Delivery.inquiry_id.in_(inquiry_ids)).order_by(Delivery.id)
    )
    for delivery in rows:
        found.setdefault(delivery.inquiry_id, []).append(delivery)
    return found


def retry(inquiry_ids: list[int] | None) -> int:
    """Queue failed deliveries again, now (of the inquiries named, or all)."""
    statement = update(Delivery).values(
        status=PENDING, next_attempt_at=db_now(), lease_owner=None, lease_until=None
    )
    if inquiry_ids:
        statement = statement.where(
            Delivery.inquiry_id.in_(inquiry_ids), Delivery.status.in_((FAILED, PENDING))
        )
    else:
        statement = statement.where(Delivery.status == FAILED)
    result = db.session.execute(statement)
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def forget_orphans() -> int:
    """Delete deliveries whose inquiry is gone (SQLite does not cascade by itself)."""
    result = db.session.execute(
        delete(Delivery).where(
            ~select(Inquiry.id).where(Inquiry.id == Delivery.inquiry_id).exists()
        )
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
