"""The tables: inquiries (the durable outbox) and rate-limit hits."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from site_app.extensions import db

PENDING, DELIVERED, FAILED, SPAM = "pending", "delivered", "failed", "spam"
STATES = (PENDING, DELIVERED, FAILED, SPAM)


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


class Inquiry(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "inquiries"
    __table_args__ = (Index("ix_inquiries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The signed token the form carried: a second press of Send finds this row.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    service: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    client_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    spam_reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)


class RateHit(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "rate_hits"
    __table_args__ = (Index("ix_rate_hits_key_at", "key_hash", "hit_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    hit_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
