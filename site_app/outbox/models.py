"""The tables: inquiries (the durable outbox), their deliveries, digests, reports, spam
marks and rate-limit hits.

An inquiry row carries its e-mail's delivery state itself; every other
destination (the webhook) has a ``Delivery`` row of its own, so each one
retries, and counts as delivered, without waiting for the others.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from site_app.extensions import db

PENDING, DELIVERED, FAILED, HELD, SPAM = "pending", "delivered", "failed", "held", "spam"
GENUINE = "genuine"  # the label of an inquiry sales delivered (SPAM: one they marked)
STATES = (PENDING, DELIVERED, FAILED, HELD, SPAM)
# Kept out of the inbox by triage: never claimed by a sender until released.
KEPT_OUT = (HELD, SPAM)
WEBHOOK = "webhook"
# An inquiry's context keys, as sales read them.
CONTEXT_LABELS = {
    "page": "Page",
    "referrer_host": "Referrer",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "question": "Asked the guide assistant",
    "questions": "Asked in the chat panel",
    "via": "Sent from",
}


def utcnow() -> datetime:
    """Naive UTC: SQLite stores no zone, so every timestamp here is UTC without one."""
    return datetime.now(UTC).replace(tzinfo=None)


def db_now() -> datetime:
    """Now, by the database's clock when hosts share one (naive UTC, as stored).

    Leases, retry times and rate-limit windows are compared across hosts, so
    they must come from one clock: two app hosts whose clocks differ by a few
    seconds would otherwise take each other's leases early. A SQLite file has
    one host, whose clock is the only one.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return utcnow()
    now: datetime = db.session.scalar(text("SELECT timezone('UTC', statement_timestamp())"))
    return now


class DeliveryState:
    """A destination's state: the e-mail's lives on the inquiry, the others' on a Delivery."""

    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)


class Inquiry(DeliveryState, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "inquiries"
    __table_args__ = (
        Index("ix_inquiries_due", "status", "next_attempt_at"),
        Index("ix_inquiries_text_fingerprint", "text_fingerprint", "created_at"),
        Index("ix_inquiries_label", "label", "labelled_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The signed token the form carried: a second press of Send finds this row.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    service: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    client_hash: Mapped[str] = mapped_column(String(64))
    spam_reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Where the lead came from (page, referrer host, utm_*, question), from the signed stamp.
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Triage: why it was held or filed as spam, as sales read it, and the marks a repeat
    # would share (remembered when sales mark it as spam).
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
    fingerprints: Mapped[list[str] | None] = mapped_column(JSON)
    text_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Set when sales (or ops) deliver a held one: retries give up counting from here.
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The digest that listed (held) or counted (spam) it: never listed twice.
    digest_id: Mapped[int | None] = mapped_column(Integer)
    # What sales decided it was (GENUINE when delivered from the digest, SPAM when marked),
    # and who decided (a keyed hash of the link's client, or "cli"): triage learns from it.
    label: Mapped[str | None] = mapped_column(String(8))
    labelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    labelled_by: Mapped[str | None] = mapped_column(String(64))
    # Until the sender has judged it (``screening``): what only the request knew, the
    # honeypot, the form's seconds and a confirmed too-fast send. NULL once judged.
    unjudged: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Delivery(DeliveryState, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("inquiry_id", "destination"),
        Index("ix_deliveries_due", "destination", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(32))
    # The same on every retry, so the receiver can drop a repeat (Standard Webhooks' webhook-id).
    event_id: Mapped[str] = mapped_column(String(64), unique=True)


class Digest(DeliveryState, db.Model):  # type: ignore[name-defined,misc]
    """One e-mail listing the inquiries held in a period; ``period_key`` is unique, so
    however many senders on however many hosts reach the hour, one row wins."""

    __tablename__ = "digests"
    __table_args__ = (Index("ix_digests_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(255))
    held_count: Mapped[int] = mapped_column(Integer, default=0)
    spam_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Report(DeliveryState, db.Model):  # type: ignore[name-defined,misc]
    """One e-mail of the site's figures from ``first_day`` to ``last_day``, sent like a
    digest; a scheduled one's ``period_key`` is unique, so one host makes it."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(255))
    recipient: Mapped[str] = mapped_column(String(320))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SpamMark(db.Model):  # type: ignore[name-defined,misc]
    """A fingerprint of an inquiry sales marked as spam; forgotten after 90 days."""

    __tablename__ = "spam_marks"
    __table_args__ = (Index("ix_spam_marks_fingerprint", "fingerprint", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(255))
    inquiry_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RateHit(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "rate_hits"
    __table_args__ = (Index("ix_rate_hits_key_at", "key_hash", "hit_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    hit_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
