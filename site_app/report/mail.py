"""The weekly report by e-mail: stored in the outbox, sent by the senders.

Periods start at ``REPORT_AT`` (UTC) and recur every ``REPORT_EVERY``, counted from a
Monday (1970-01-05), so a weekly report goes out on Mondays. Once a period has begun, the
first sender to look stores its report (the full days before the period, as many as the
period is long) if anything was counted or sent in them: one ``reports`` row whose
``period_key`` is unique, so however many senders on however many hosts race for it, one
insert wins, as for the digest. It is rendered when sent, under the same leases, retries
and give-up rule as an inquiry's e-mail.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from site_app.extensions import db
from site_app.outbox import digestmail, leases, message
from site_app.outbox.models import PENDING, Inquiry, Report, db_now
from site_app.report import figures, render
from site_app.visits.models import ViewCount

log = logging.getLogger(__name__)
_MONDAY = datetime(1970, 1, 5)


def period_start(now: datetime, every: timedelta) -> datetime:
    hour, minute = current_app.config["REPORT_AT"]
    anchor = _MONDAY + timedelta(hours=hour, minutes=minute)
    return anchor + every * ((now - anchor) // every)


def _busy(first: date, last: date) -> bool:
    viewed = select(ViewCount.id).where(ViewCount.day.between(first, last)).limit(1)
    start = datetime.combine(first, datetime.min.time())
    sent = select(Inquiry.id).where(
        Inquiry.created_at >= start,
        Inquiry.created_at < start + timedelta(days=(last - first).days + 1),
    )
    return db.session.scalar(viewed) is not None or db.session.scalar(sent.limit(1)) is not None


def create_due() -> Report | None:
    """This period's report, if it is due and no sender stored it yet; else None."""
    every: timedelta | None = current_app.config["REPORT_EVERY"]
    if every is None:
        return None
    start = period_start(db_now(), every)
    key = f"period:{start:%Y-%m-%dT%H:%M}"
    # Periods this process found nothing to report in: its days are over, so they stay so.
    empty: set[str] = current_app.extensions.setdefault("reports_empty", set())
    if key in empty or db.session.scalar(select(Report.id).where(Report.period_key == key)):
        db.session.rollback()
        return None
    last = start.date() - timedelta(days=1)
    first = last - timedelta(days=max(every.days, 1) - 1)
    if not _busy(first, last):
        empty.add(key)
        db.session.rollback()
        return None
    return create(key, first, last)


def create(key: str, first: date, last: date) -> Report | None:
    """Store a report of ``first`` to ``last`` under ``key``; None if another host did."""
    config = current_app.config
    domain = config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(" >")
    now = db_now()
    report = Report(
        period_key=key,
        message_id=f"<report.{uuid.uuid4().hex}@{domain or 'localhost'}>",
        recipient=config["REPORT_TO"] or config["CONTACT_RECIPIENT"],
        first_day=first,
        last_day=last,
        created_at=now,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
    )
    try:
        db.session.add(report)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return report


def create_now(first: date, last: date) -> Report:
    """``flask report --send``: out of schedule, under a key of its own."""
    report = create(f"now:{uuid.uuid4().hex}", first, last)
    assert report is not None  # a random key is never taken
    return report


def send_due(owner: str, lease_seconds: float) -> int:
    """The sender loop's task: store this period's report if due, send those that are."""
    made = create_due()
    if made is not None:
        log.info("report %s made: %s to %s", made.id, made.first_day, made.last_day)
    claimed = [row for (row,) in leases.claim(Report, select(Report), owner, 5, lease_seconds)]
    return sum(_send(row) for row in claimed)


def _send(row: Report) -> int:
    def build() -> message.InquiryMessage:
        shown = figures.build(row.first_day, row.last_day)
        return message.compose(
            render.subject(shown),
            "email/report",
            row.recipient,
            row.message_id,
            row.created_at,
            report=shown,
            chart=render.chart(shown),
            conversion=render.conversion,
        )

    return digestmail.send_stored(row, "report", build)
