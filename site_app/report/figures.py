"""The report's figures for a range of days, from the counts, the inquiries and the
assistant's events: the JSON of ``flask report --json`` and the e-mail's content.

Inquiries are read from the outbox (their state and the context the form's stamp
carried), so spam is told apart and every lead is attributed to the page it came from and
to the campaign it landed with. Visitors are summed over days: with a salt that changes
daily, nobody can tell that Monday's visitor came back on Tuesday, and that is the point.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Row, func, select

from site_app.assistant.unanswered import UnansweredQuestion
from site_app.extensions import db
from site_app.outbox.models import DELIVERED, FAILED, HELD, PENDING, SPAM, Inquiry
from site_app.visits import classify
from site_app.visits.models import SITE, EventCount, ViewCount, VisitorCount, VisitorMark

UNANSWERED_LISTED = 5
SourceKey = tuple[str, str, str, str]


def pages() -> list[tuple[str, str]]:
    """The counted pages, in the guide's order, with their titles."""
    guide = current_app.extensions["guide"]
    return [
        ("/", "Home"),
        *((f"/guide/{s.slug}", f"{s.number}. {s.title}") for s in guide.sections),
        ("/ask", "Ask the guide"),
        ("/contact", "Contact sales"),
    ]


def _visitors(first: date, last: date) -> dict[tuple[date, str], int]:
    """Visitors per day and page: folded counts, and the hashes not folded yet."""
    found: dict[tuple[date, str], int] = {}
    folded = select(VisitorCount.day, VisitorCount.page, VisitorCount.visitors).where(
        VisitorCount.day.between(first, last)
    )
    live = (
        select(VisitorMark.day, VisitorMark.page, func.count())
        .where(VisitorMark.day.between(first, last))
        .group_by(VisitorMark.day, VisitorMark.page)
    )
    for query in (folded, live):
        for day, page, count in db.session.execute(query):
            found[(day, page)] = found.get((day, page), 0) + int(count)
    return found


def _inquiries(first: date, last: date) -> list[Row[tuple[str, datetime, Any]]]:
    """Each inquiry's state, time and context: rows, not objects, read once."""
    start, end = datetime.combine(first, time()), datetime.combine(last + timedelta(1), time())
    query = select(Inquiry.status, Inquiry.created_at, Inquiry.context).where(
        Inquiry.created_at >= start, Inquiry.created_at < end
    )
    return list(db.session.execute(query))


def _page_of(context: dict[str, Any], known: set[str]) -> str:
    page = str(context.get("page") or "/contact")
    page = page.rstrip("/") or "/"
    return page if page in known else "/contact"


def _source_of(context: dict[str, Any]) -> SourceKey | None:
    utm = tuple(str(context.get(k) or "") for k in classify.UTM)
    host = str(context.get("referrer_host") or "")
    if not host and not any(utm):
        return None  # arrived earlier, from somewhere the contact page cannot see
    return (classify.site_of(host) if host else classify.DIRECT, *utm)  # type: ignore[return-value]


def build(first: date, last: date) -> dict[str, Any]:
    listed = pages()
    known = {path for path, _ in listed}
    between = ViewCount.day.between(first, last)
    views = dict(  # dict() would take a Result, which has keys(), for a mapping
        list(
            db.session.execute(
                select(ViewCount.page, func.sum(ViewCount.views))
                .where(between)
                .group_by(ViewCount.page)
            )
        )
    )
    by_day = dict(
        list(
            db.session.execute(
                select(ViewCount.day, func.sum(ViewCount.views))
                .where(between)
                .group_by(ViewCount.day)
            )
        )
    )
    visitors = _visitors(first, last)
    page_visitors: Counter[str] = Counter()
    for (_, page), count in visitors.items():
        page_visitors[page] += count
    inquiries = _inquiries(first, last)
    genuine = [i for i in inquiries if i.status != SPAM]
    page_inquiries = Counter(_page_of(i.context or {}, known) for i in genuine)
    day_inquiries = Counter(i.created_at.date() for i in genuine)

    source_rows = db.session.execute(
        select(
            ViewCount.referrer,
            ViewCount.utm_source,
            ViewCount.utm_medium,
            ViewCount.utm_campaign,
            func.sum(ViewCount.visits),
        )
        .where(between, ViewCount.visits > 0)
        .group_by(
            ViewCount.referrer, ViewCount.utm_source, ViewCount.utm_medium, ViewCount.utm_campaign
        )
    )
    visits: dict[SourceKey, int] = {(r, s, m, c): int(n) for r, s, m, c, n in source_rows}
    source_inquiries: Counter[SourceKey] = Counter()
    for inquiry in genuine:
        key = _source_of(inquiry.context or {})
        if key is None:
            continue
        if any(key[1:]):  # a campaign: its busiest row, whichever site it was clicked on
            same = [k for k in visits if k[1:] == key[1:]]
            key = max(same, key=lambda k: visits[k], default=key)
        source_inquiries[key] += 1

    events: dict[str, int] = defaultdict(int)
    for name, count in db.session.execute(
        select(EventCount.name, func.sum(EventCount.count))
        .where(EventCount.day.between(first, last))
        .group_by(EventCount.name)
    ):
        events[name] = int(count)
    unanswered = db.session.execute(
        select(UnansweredQuestion.text, UnansweredQuestion.asks)
        .where(UnansweredQuestion.last_asked >= datetime.combine(first, time()))
        .order_by(UnansweredQuestion.asks.desc(), UnansweredQuestion.last_asked.desc())
        .limit(UNANSWERED_LISTED)
    )
    states = Counter(i.status for i in inquiries)
    db.session.rollback()

    def _none(value: str) -> str | None:
        return value or None

    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "pages": [
            {
                "path": path,
                "title": title,
                "views": int(views.get(path, 0)),
                "visitors": page_visitors[path],
                "inquiries": page_inquiries[path],
            }
            for path, title in listed
        ],
        "sources": [
            {
                "referrer": key[0],
                "utm_source": _none(key[1]),
                "utm_medium": _none(key[2]),
                "utm_campaign": _none(key[3]),
                "visits": visits.get(key, 0),
                "inquiries": source_inquiries[key],
            }
            for key in sorted(
                set(visits) | set(source_inquiries),
                key=lambda k: (-visits.get(k, 0), -source_inquiries[k], k),
            )
        ],
        "assistant": {
            **{name: events[name] for name in ("asked", "answered", "handed_off", "yes", "no")},
            "inquiries": sum(1 for i in genuine if _asked(i.context or {})),
            "unanswered": [{"question": q, "asks": n} for q, n in unanswered],
        },
        "inquiries": {
            "leads": states[DELIVERED],
            "held": states[HELD],
            "spam": states[SPAM],
            "from_panel": sum(1 for i in genuine if (i.context or {}).get("via") == "panel"),
            "queued": states[PENDING],
            "failed": states[FAILED],
        },
        "days": [
            {
                "date": day.isoformat(),
                "views": int(by_day.get(day, 0)),
                "visitors": visitors.get((day, SITE), 0),
                "inquiries": day_inquiries[day],
            }
            for day in days
        ],
    }


def _asked(context: dict[str, Any]) -> bool:
    """Sent after asking the assistant: from its answer page or its chat panel."""
    return bool(context.get("question") or context.get("questions") or context.get("via"))
