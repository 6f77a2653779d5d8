"""Sales' corrections to triage, and what the site remembers of them.

``release`` delivers a held (or spam) inquiry as a lead; ``mark_spam`` files one as spam
and remembers its fingerprints for 90 days. Each is one UPDATE guarded by the state it
changes, so a link pressed twice, or on two hosts at once, acts once, and each labels the
inquiry (genuine or spam) with who decided: the examples triage learns from
(``site_app.teaching``). A label lives and dies with its inquiry: erased by ``forget``,
purged with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, DateTime, delete, exists, false, func, select, update

from site_app import metrics
from site_app.extensions import db
from site_app.outbox import deliveries
from site_app.outbox.models import (
    DELIVERED,
    FAILED,
    GENUINE,
    HELD,
    KEPT_OUT,
    PENDING,
    SPAM,
    Delivery,
    Inquiry,
    SpamMark,
    db_now,
    utcnow,
)
from site_app.triage.model import Recalled

REMEMBER = timedelta(days=90)
CAMPAIGN_WINDOW = timedelta(hours=24)


class OutboxMemory:
    """triage.Memory against the database, for one submitting client."""

    def __init__(self, client_hash: str) -> None:
        self.client_hash = client_hash

    def recall(self, fingerprints: frozenset[str], text_fingerprint: str) -> Recalled:
        """Both answers in one statement: each is an indexed lookup, the round trip is
        what costs inside POST /contact."""
        now = _now()
        marked = (
            exists().where(
                SpamMark.fingerprint.in_(sorted(fingerprints)),
                SpamMark.created_at >= now - REMEMBER,
            )
            if fingerprints
            else false()
        )
        others = (
            select(func.count(func.distinct(Inquiry.client_hash)))
            .where(
                Inquiry.text_fingerprint == text_fingerprint,
                Inquiry.created_at >= now - CAMPAIGN_WINDOW,
                Inquiry.client_hash != self.client_hash,
            )
            .scalar_subquery()
        )
        delivered = exists().where(
            Inquiry.text_fingerprint == text_fingerprint,
            Inquiry.label == GENUINE,
            Inquiry.labelled_at >= now - REMEMBER,
        )
        found = db.session.execute(select(marked, others, delivered)).one()
        return Recalled(
            marked_spam=bool(found[0]),
            campaign_clients=int(found[1] or 0),
            delivered=bool(found[2]),
        )


def _now() -> ColumnElement[datetime] | datetime:
    """db_now()'s clock, but on PostgreSQL read inside the statement that uses it rather
    than in a round trip of its own."""
    if db.session.get_bind().dialect.name != "postgresql":
        return utcnow()
    return func.timezone("UTC", func.statement_timestamp(), type_=DateTime)


def release(inquiry_id: int, by: str = "cli") -> bool:
    """Deliver a held or spam inquiry now: queued for the e-mail (with its stored
    Message-ID) and for every destination, once, and labelled genuine. False if it was
    not kept out."""
    now = db_now()
    result = db.session.execute(
        update(Inquiry)
        .where(Inquiry.id == inquiry_id, Inquiry.status.in_(KEPT_OUT))
        .values(
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            released_at=now,
            lease_owner=None,
            lease_until=None,
            label=GENUINE,
            labelled_at=now,
            labelled_by=by,
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    # Reloaded: a copy the caller read before the UPDATE would still say "held".
    inquiry = db.session.get(Inquiry, inquiry_id, populate_existing=True)
    if inquiry is not None:  # it is: the UPDATE above just matched it
        deliveries.add_for(inquiry)
    db.session.commit()
    metrics.count_correction("released")
    return True


def mark_spam(inquiry_id: int, by: str = "cli") -> bool:
    """File an inquiry as spam and remember its fingerprints; False if it already was.

    Deliveries not yet made are dropped: spam never reaches a webhook. A sender holding
    it right now loses its lease, so it cannot record it as delivered over this.
    """
    now = db_now()
    result = db.session.execute(
        update(Inquiry)
        .where(Inquiry.id == inquiry_id, Inquiry.status.in_((PENDING, DELIVERED, FAILED, HELD)))
        .values(
            status=SPAM,
            lease_owner=None,
            lease_until=None,
            label=SPAM,
            labelled_at=now,
            labelled_by=by,
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    db.session.execute(
        delete(Delivery).where(Delivery.inquiry_id == inquiry_id, Delivery.status != DELIVERED)
    )
    marks = db.session.scalar(select(Inquiry.fingerprints).where(Inquiry.id == inquiry_id))
    for fingerprint in marks or ():
        db.session.add(SpamMark(fingerprint=fingerprint, inquiry_id=inquiry_id, created_at=now))
    db.session.commit()
    metrics.count_correction("marked_spam")
    return True


def forget_marks(inquiry_ids: Iterable[int] | None = None) -> int:
    """Drop marks older than 90 days, or (given ids) those of these inquiries."""
    if inquiry_ids is None:
        which = SpamMark.created_at < db_now() - REMEMBER
    else:
        which = SpamMark.inquiry_id.in_(list(inquiry_ids))
    result = db.session.execute(delete(SpamMark).where(which))
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
