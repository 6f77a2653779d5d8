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
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    bindparam,
    delete,
    exists,
    func,
    select,
    update,
)

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
        dialect = db.session.get_bind().dialect.name
        params: dict[str, object] = {
            "marks": sorted(fingerprints),
            "text": text_fingerprint,
            "client": self.client_hash,
        }
        if dialect != "postgresql":  # the clock is read here, not by the database
            now = utcnow()
            params |= {"remember_since": now - REMEMBER, "campaign_since": now - CAMPAIGN_WINDOW}
        # The session's own connection and transaction, without the ORM's layer: no rows
        # are loaded as objects here.
        found = db.session.connection().execute(_recall_statement(dialect), params).one()
        return Recalled(
            marked_spam=bool(found[0]),
            campaign_clients=int(found[1] or 0),
            delivered=bool(found[2]),
        )


@lru_cache(maxsize=4)
def _recall_statement(dialect: str) -> Select[bool, int, bool]:
    """recall()'s statement, built once per database kind and given its values as
    parameters: building it for each submission cost more than running it."""

    def since(name: str, span: timedelta) -> ColumnElement[datetime]:
        if dialect == "postgresql":
            return func.timezone("UTC", func.statement_timestamp(), type_=DateTime) - span
        return bindparam(name, type_=DateTime)

    remember = since("remember_since", REMEMBER)
    marked = exists().where(
        SpamMark.fingerprint.in_(bindparam("marks", expanding=True)),
        SpamMark.created_at >= remember,
    )
    others = (
        select(func.count(func.distinct(Inquiry.client_hash)))
        .where(
            Inquiry.text_fingerprint == bindparam("text"),
            Inquiry.created_at >= since("campaign_since", CAMPAIGN_WINDOW),
            Inquiry.client_hash != bindparam("client"),
        )
        .scalar_subquery()
    )
    delivered = exists().where(
        Inquiry.text_fingerprint == bindparam("text"),
        Inquiry.label == GENUINE,
        Inquiry.labelled_at >= remember,
    )
    return select(marked, others, delivered)


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
