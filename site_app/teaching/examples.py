"""The examples this site teaches triage: inquiries sales delivered (genuine) or marked
(spam), read from the outbox, bounded and weighted.

Bounded three ways, so no one can move the judgement of texts unlike their own:
the newest ``LIMIT`` of each label; every decision a decider (one signed-link client, or
the command line) made beyond ``PER_DECIDER`` shares that many decisions' weight; and the
inquiries of one sender address count as one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, func, select

from site_app.extensions import db
from site_app.outbox.models import GENUINE, SPAM, Inquiry

LIMIT = 1000  # newest decisions of each label learned from
SITE_WEIGHT = 3.0  # one decision counts as this many shipped examples
PER_DECIDER = 50  # a decider's decisions beyond this share this many decisions' weight
TRAFFIC = 500  # newest messages read as the site's ordinary wording


@dataclass(frozen=True)
class Example:
    spam: bool
    message: str
    weight: float


def key(shipped: str) -> str:
    """A digest of every decision (and of the shipped model): new when one is made,
    erased or purged. One indexed aggregate, cheap enough to ask every poll."""
    labelled = Inquiry.label.is_not(None)
    found = db.session.execute(
        select(
            func.count(Inquiry.id),
            func.coalesce(func.sum(Inquiry.id), 0),
            func.max(Inquiry.labelled_at),
        ).where(labelled)
    ).one()
    if not found[0]:
        return ""
    return hashlib.sha256(f"{shipped}|{found[0]}|{found[1]}|{found[2]}".encode()).hexdigest()


@dataclass(frozen=True)
class Decision:
    spam: bool
    message: str
    sender: str  # the inquiry's address
    decider: str  # labelled_by


def load() -> list[Example]:
    """The decisions learned from, newest first."""
    rows: list[Row[str | None, str, str, str | None, datetime | None]] = []
    for label in (GENUINE, SPAM):
        rows += db.session.execute(
            select(
                Inquiry.label,
                Inquiry.message,
                Inquiry.email,
                Inquiry.labelled_by,
                Inquiry.labelled_at,
            )
            .where(Inquiry.label == label)
            .order_by(Inquiry.labelled_at.desc())
            .limit(LIMIT)
        ).all()
    rows.sort(key=lambda r: r[4] or datetime.min, reverse=True)
    return weigh([Decision(r[0] == SPAM, r[1], r[2], r[3] or "") for r in rows])


def traffic() -> list[str]:
    """The site's newest messages nobody decided on: what is common among them is the
    site's ordinary wording, which no decision moves."""
    newest = select(Inquiry.message).where(Inquiry.label.is_(None))
    return list(db.session.scalars(newest.order_by(Inquiry.id.desc()).limit(TRAFFIC)))


def weigh(decisions: list[Decision]) -> list[Example]:
    """Each decision at SITE_WEIGHT, shared out among a decider's beyond PER_DECIDER and
    among one sender's inquiries."""
    by_decider = Counter(d.decider for d in decisions)
    by_sender = Counter(d.sender.strip().lower() for d in decisions)
    return [
        Example(
            d.spam,
            d.message,
            SITE_WEIGHT
            * min(1.0, PER_DECIDER / by_decider[d.decider])
            / by_sender[d.sender.strip().lower()],
        )
        for d in decisions
    ]
