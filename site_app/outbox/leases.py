"""Leases on outbox rows: claiming the due ones, and recording each attempt under the lease.

A destination's state lives on an inquiry (the e-mail) or on a Delivery (the
others), in the same columns (``DeliveryState``), so one piece of code serves both.
Senders claim due rows with a lease: on PostgreSQL through ``FOR UPDATE SKIP
LOCKED``, on SQLite through its single writer. The claim is an UPDATE guarded by
the previous lease, so two senders never hold one row, and each mark applies only
while its sender still holds the lease. Every time here is the database's
(``db_now``), so hosts agree on when a lease ends whatever their own clocks say.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVarTuple

from flask import current_app
from sqlalchemy import ColumnElement, Row, Select, or_, select, update

from site_app.extensions import db
from site_app.outbox.models import (
    DELIVERED,
    FAILED,
    PENDING,
    Delivery,
    Digest,
    Inquiry,
    Report,
    db_now,
)

log = logging.getLogger(__name__)
Leased = Inquiry | Delivery | Digest | Report
Snapshot = TypeVarTuple("Snapshot")


def _unleased(model: type[Leased], now: datetime) -> ColumnElement[bool]:
    return or_(model.lease_until.is_(None), model.lease_until < now)


def claim(
    model: type[Leased],
    snapshots: Select[*Snapshot],
    owner: str,
    limit: int,
    lease_seconds: float,
    *due: ColumnElement[bool],
) -> list[Row[*Snapshot]]:
    """Lease up to ``limit`` pending rows of ``model`` that are due (and match ``due``)
    to ``owner``; return ``snapshots`` of those it got, detached from the session."""
    now = db_now()
    ids = list(
        db.session.scalars(
            select(model.id)
            .where(model.status == PENDING, model.next_attempt_at <= now, _unleased(model, now))
            .where(*due)
            .order_by(model.next_attempt_at, model.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        db.session.rollback()
        return []
    claim_id = f"{owner[:55]}:{uuid.uuid4().hex[:8]}"  # lease_owner holds 64
    # `due` again: between the select and this update another sender may have claimed,
    # handled and released a row (judged it, say), and it must not be leased for nothing
    db.session.execute(
        update(model)
        .where(model.id.in_(ids), model.status == PENDING, _unleased(model, now), *due)
        .values(lease_owner=claim_id, lease_until=now + timedelta(seconds=lease_seconds))
    )
    db.session.commit()
    claimed = list(
        db.session.execute(
            snapshots.where(model.id.in_(ids), model.lease_owner == claim_id).order_by(model.id)
        )
    )
    db.session.expunge_all()  # detached snapshots: sending must not reload them
    db.session.rollback()
    return claimed


def _finish(row: Leased, **values: object) -> bool:
    """Apply ``values`` only if the caller still holds the lease; commit."""
    model = type(row)
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, model.lease_owner == row.lease_owner)
        .values(lease_owner=None, lease_until=None, **values)
        # The sender's copies are detached snapshots: nothing in the session to update.
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(row: Leased) -> bool:
    """Give a claimed row back untried, for any sender to take at once."""
    return _finish(row)


def mark_delivered(row: Leased) -> bool:
    now = db_now()
    return _finish(
        row,
        status=DELIVERED,
        attempts=row.attempts + 1,
        delivered_at=now,
        last_attempt_at=now,
        last_error=None,
    )


def why_hand_back(
    index: int, deadline: float, attempt_seconds: float, stop: threading.Event | None
) -> str | None:
    """Why a sender should hand back the rest of its batch before try number ``index``:
    stopping, or a slow destination (``deadline`` falls before the lease ends, and one
    try can take ``attempt_seconds``), or None to go on. Handed back in time, no other
    sender takes a row while this one still tries it."""
    if stop is not None and stop.is_set():
        return "stopping"
    if index and time.monotonic() + attempt_seconds > deadline:
        return "lease nearly over"
    return None


def hand_back(sender: str, rows: Sequence[Leased], why: str) -> None:
    for row in rows:
        release(row)
    log.info("%s: %s, %s left for others", sender, why, len(rows))


def backoff(attempts: int) -> float:
    """Seconds before the next try: exponential from the first retry, capped, with jitter."""
    config = current_app.config
    ceiling = min(
        config["OUTBOX_MAX_BACKOFF_SECONDS"],
        config["OUTBOX_FIRST_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0),
    )
    return float(random.uniform(ceiling / 2, ceiling))


def mark_retry(row: Leased, created_at: datetime, error: str) -> str:
    """Record a failed attempt; schedule the next, or give up once the next would fall
    ``OUTBOX_GIVE_UP_SECONDS`` after the inquiry's ``created_at``. Return the new status."""
    attempts = row.attempts + 1
    give_up_at = created_at + timedelta(seconds=current_app.config["OUTBOX_GIVE_UP_SECONDS"])
    now = db_now()
    next_at = now + timedelta(seconds=backoff(attempts))
    status = FAILED if next_at > give_up_at else PENDING
    if status == FAILED:
        error = f"gave up after {attempts} attempts: {error}"
    _finish(
        row,
        status=status,
        attempts=attempts,
        last_error=error,
        last_attempt_at=now,
        next_attempt_at=next_at,
    )
    return status


def mark_failed(row: Leased, error: str) -> None:
    _finish(
        row,
        status=FAILED,
        attempts=row.attempts + 1,
        last_error=error,
        last_attempt_at=db_now(),
    )


def requeue(model: type[Leased], *which: ColumnElement[bool]) -> int:
    """Put the rows of ``model`` that match ``which`` back in the queue, due now."""
    result = db.session.execute(
        update(model)
        .where(*which)
        .values(status=PENDING, next_attempt_at=db_now(), lease_owner=None, lease_until=None)
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
