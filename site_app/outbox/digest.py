"""The digest of held inquiries: when one is due, and which inquiries it lists.

Periods start at ``DIGEST_AT`` (UTC) and recur every ``DIGEST_EVERY``. Once a period has
begun, the first sender to look creates that period's digest, if anything was held before
it began and is not yet in a digest: one row whose ``period_key`` is unique, written in the
same transaction that ties the inquiries to it. However many senders on however many hosts
race for it, the unique key lets one insert win; the others' transactions roll back whole.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError

from site_app.extensions import db
from site_app.outbox.models import HELD, PENDING, SPAM, Digest, Inquiry, db_now

LISTED_IN_FULL = 100
_EPOCH = datetime(1970, 1, 1)


def period_start(now: datetime) -> datetime:
    """The start of the period ``now`` falls in (naive UTC)."""
    hour, minute = current_app.config["DIGEST_AT"]
    every: timedelta = current_app.config["DIGEST_EVERY"]
    anchor = _EPOCH + timedelta(hours=hour, minutes=minute)
    return anchor + every * ((now - anchor) // every)


def create_due() -> Digest | None:
    """This period's digest, if it is due and no sender made it yet; else None."""
    start = period_start(db_now())
    key = f"period:{start:%Y-%m-%dT%H:%M}"
    if db.session.scalar(select(Digest.id).where(Digest.period_key == key)) is not None:
        db.session.rollback()
        return None
    if _being_judged(start):
        db.session.rollback()
        return None
    return create(key, start)


def _being_judged(before: datetime) -> bool:
    """Whether another sender holds, unjudged, an inquiry stored before ``before``: it may be
    held, so the period's digest waits for it (a pass or two; at most one lease, should that
    sender die, after which this one judges it first)."""
    judging = select(Inquiry.id).where(
        Inquiry.unjudged.is_not(None), Inquiry.created_at < before, Inquiry.lease_until > db_now()
    )
    return db.session.scalar(judging.limit(1)) is not None


def create_now() -> Digest | None:
    """A digest of everything held so far, out of schedule (``flask outbox digest``)."""
    return create(f"now:{uuid.uuid4().hex}", db_now() + timedelta(seconds=1))


def _waiting(before: datetime) -> list[ColumnElement[bool]]:
    return [Inquiry.digest_id.is_(None), Inquiry.created_at < before]


def create(key: str, before: datetime) -> Digest | None:
    """Tie the held (listed) and spam (counted) inquiries stored before ``before`` and not
    yet in a digest to a new digest row, in one transaction; None when none was held."""
    held = db.session.scalar(
        select(Inquiry.id).where(Inquiry.status == HELD, *_waiting(before)).limit(1)
    )
    if held is None:
        db.session.rollback()
        return None
    now = db_now()
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(" >")
    digest = Digest(
        period_key=key,
        message_id=f"<digest.{uuid.uuid4().hex}@{domain or 'localhost'}>",
        held_count=0,
        spam_count=0,
        created_at=now,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
    )
    try:
        db.session.add(digest)
        db.session.flush()  # another host's row for this key makes this fail (or wait, then fail)
        counts = {}
        for state in (HELD, SPAM):
            result = db.session.execute(
                update(Inquiry)
                .where(Inquiry.status == state, *_waiting(before))
                .values(digest_id=digest.id)
                .execution_options(synchronize_session=False)
            )
            counts[state] = int(result.rowcount)  # type: ignore[attr-defined]
        if not counts[HELD]:  # another digest took them first
            db.session.rollback()
            return None
        digest.held_count, digest.spam_count = counts[HELD], counts[SPAM]
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return digest


def listed(digest: Digest) -> list[Inquiry]:
    """The newest held inquiries of ``digest``, as many as are listed in full."""
    return list(
        db.session.scalars(
            select(Inquiry)
            .where(Inquiry.digest_id == digest.id)
            .where(Inquiry.status != SPAM)
            .order_by(Inquiry.id.desc())
            .limit(LISTED_IN_FULL)
        )
    )
