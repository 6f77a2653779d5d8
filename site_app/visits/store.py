"""Writing a process's buffered counts, the daily salt, folding the day's visitor hashes
into counts, and forgetting counts after 13 months.

Every write adds to a row (``INSERT ... ON CONFLICT DO UPDATE``), so any number of
processes on any number of hosts add up without reading first; a visitor hash written
twice is kept once (``DO NOTHING``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from site_app.extensions import db
from site_app.visits.models import EventCount, ViewCount, VisitorCount, VisitorMark, VisitorSalt

KEPT_MONTHS = 13
BATCH = 200  # visitors' marks written per statement
ViewKey = tuple[date, str, str, str, str, str]  # day, page, referrer, utm_source/medium/campaign
_VIEW_KEY = ("day", "page", "referrer", "utm_source", "utm_medium", "utm_campaign")


def _insert(model: Any) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def salt(day: date, create: bool) -> bytes | None:
    """The day's salt, the same on every host; made by the first to ask when ``create``."""
    found = db.session.get(VisitorSalt, day)
    if found is None and create:
        db.session.execute(
            _insert(VisitorSalt)
            .values(day=day, salt=secrets.token_hex(32))
            .on_conflict_do_nothing()
        )
        db.session.commit()
        found = db.session.get(VisitorSalt, day)
    return bytes.fromhex(found.salt) if found is not None else None


def visitor(salt: bytes, ident: bytes) -> str:
    return hashlib.blake2b(ident, key=salt, digest_size=8).hexdigest()


def write(
    views: Mapping[ViewKey, list[int]],
    marks: Iterable[tuple[date, str, str]],
    events: Mapping[tuple[date, str], int],
) -> None:
    """Add one process's counts, in one transaction."""
    if views:
        stmt = _insert(ViewCount)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(_VIEW_KEY),
            set_={
                "views": ViewCount.views + stmt.excluded.views,
                "visits": ViewCount.visits + stmt.excluded.visits,
            },
        )
        rows = [
            {**dict(zip(_VIEW_KEY, k, strict=True)), "views": v, "visits": n}
            for k, (v, n) in views.items()
        ]
        db.session.execute(stmt, rows)
    marks = iter(marks)
    # In batches: a busy interval's thousands of marks as rows at once made some 3 MB of
    # short-lived objects, and a worker's heap keeps the room they took.
    while marked := [{"day": d, "page": p, "visitor": v} for d, p, v in islice(marks, BATCH)]:
        db.session.execute(_insert(VisitorMark).on_conflict_do_nothing(), marked)
    if events:
        stmt = _insert(EventCount)
        stmt = stmt.on_conflict_do_update(
            index_elements=["day", "name"], set_={"count": EventCount.count + stmt.excluded.count}
        )
        rows = [{"day": d, "name": n, "count": c} for (d, n), c in events.items()]
        db.session.execute(stmt, rows)
    db.session.commit()


def tidy(today: date) -> None:
    """Delete the salts of days that are over, and fold the hashes of days before
    yesterday into counts (a day's late writes have had a whole day to arrive)."""
    db.session.execute(delete(VisitorSalt).where(VisitorSalt.day < today))
    before = today - timedelta(days=1)
    counted = (
        select(VisitorMark.day, VisitorMark.page, func.count())
        .where(VisitorMark.day < before)
        .group_by(VisitorMark.day, VisitorMark.page)
    )
    fold = _insert(VisitorCount).from_select(["day", "page", "visitors"], counted)
    db.session.execute(fold.on_conflict_do_nothing())
    db.session.execute(delete(VisitorMark).where(VisitorMark.day < before))
    db.session.commit()


def cutoff(today: date) -> date:
    """The first day still kept: 13 months back, on the same day of the month or the
    month's last."""
    months = today.year * 12 + today.month - 1 - KEPT_MONTHS
    year, month = divmod(months, 12)
    first = date(year, month + 1, 1)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return min(first.replace(day=1) + timedelta(days=today.day - 1), following - timedelta(days=1))


def purge(today: date) -> int:
    """Forget every count older than 13 months; return how many rows went."""
    first = cutoff(today)
    removed = 0
    for model in (ViewCount, VisitorMark, VisitorCount, EventCount):
        result = db.session.execute(delete(model).where(model.day < first))
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    db.session.execute(delete(VisitorSalt).where(VisitorSalt.day < today))
    db.session.commit()
    return removed
