"""Delivery rows: one per inquiry and destination other than e-mail (the webhook).

They move through the same states as an inquiry's e-mail (pending,
delivered, failed) with their own attempts, backoff and lease, so a
destination that is down never holds up another. Claims and marks are the
e-mail's own (``leases``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import Row, delete, func, select

from site_app.extensions import db
from site_app.outbox import leases
from site_app.outbox.models import (
    DELIVERED,
    FAILED,
    PENDING,
    WEBHOOK,
    Delivery,
    Inquiry,
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


def claim(
    destination: str, owner: str, limit: int, lease_seconds: float
) -> list[Row[Delivery, Inquiry]]:
    """Take up to ``limit`` due deliveries to ``destination``, with their inquiries."""
    snapshots = select(Delivery, Inquiry).join(Inquiry, Inquiry.id == Delivery.inquiry_id)
    due = Delivery.destination == destination
    return leases.claim(Delivery, snapshots, owner, limit, lease_seconds, due)


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
    if inquiry_ids:
        named = Delivery.inquiry_id.in_(inquiry_ids)
        return leases.requeue(Delivery, named, Delivery.status.in_((FAILED, PENDING)))
    return leases.requeue(Delivery, Delivery.status == FAILED)


def forget_orphans() -> int:
    """Delete deliveries whose inquiry is gone (SQLite does not cascade by itself)."""
    result = db.session.execute(
        delete(Delivery).where(
            ~select(Inquiry.id).where(Inquiry.id == Delivery.inquiry_id).exists()
        )
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
