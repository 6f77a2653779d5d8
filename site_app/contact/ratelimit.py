"""Inquiries per client address, counted in the database.

The count lives in the same database as the inquiries, so it holds across
gunicorn workers, restarts and hosts without another service to run.
Clients are known only by a keyed hash of their client key (site_app.clients: an IPv6
client is its /64), which triage's memory of clients shares.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, text

from site_app.clients import client_key
from site_app.config import parse_rate
from site_app.extensions import db
from site_app.outbox.models import RateHit, db_now

# The first half of the two-part advisory lock key: this site's rate limit, so
# its locks never collide with another application's on a shared server.
_LOCK_SPACE = 0x6C6D7420


def client_hash(address: str) -> str:
    key = current_app.config["RATE_LIMIT_KEY"].encode()
    return hmac.new(key, client_key(address).encode(), hashlib.sha256).hexdigest()


def allow(key_hash: str, commit: bool = True) -> bool:
    """Count one inquiry for ``key_hash``; False when that would pass the limit.

    ``commit=False``: an allowed hit waits for the caller's commit (the inquiry's), so a
    database failing in between keeps neither.
    """
    count, seconds = parse_rate(current_app.config["CONTACT_RATE_LIMIT"])
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # Serialise the count for this client across hosts until commit. Under READ
        # COMMITTED (pinned in config) each statement after the lock sees every hit
        # committed before it, so the insert and count below cannot interleave.
        session.execute(
            text(f"SELECT pg_advisory_xact_lock({_LOCK_SPACE}, hashtext(:k))"), {"k": key_hash}
        )
    now = db_now()
    # Insert first: on SQLite the write lock then serialises the count.
    hit = RateHit(key_hash=key_hash, hit_at=now)
    session.add(hit)
    session.flush()
    window_start = now - timedelta(seconds=seconds)
    session.execute(
        delete(RateHit).where(RateHit.key_hash == key_hash, RateHit.hit_at < window_start)
    )
    used = session.scalar(
        select(func.count()).where(RateHit.key_hash == key_hash, RateHit.hit_at >= window_start)
    )
    allowed = (used or 0) <= count
    if not allowed:
        session.delete(hit)
    if commit or not allowed:
        session.commit()
    return allowed


def forget_expired() -> int:
    """Delete hits older than the window, also of clients who never came back."""
    _, seconds = parse_rate(current_app.config["CONTACT_RATE_LIMIT"])
    result = db.session.execute(
        delete(RateHit).where(RateHit.hit_at < db_now() - timedelta(seconds=seconds))
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
