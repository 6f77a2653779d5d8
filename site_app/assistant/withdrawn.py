"""Answers visitors said did not help, withdrawn: when at least ``NOES`` different visitors
said No to the same section for the same question (as the report groups questions) in the
last ``WINDOW``, and nobody said Yes, that answer is not given again for that question; the
next visitor gets the hand-off with the closest sections.

One visitor is one client address (an IPv6 client its /64, by the rate limiter's key), so
one address voting three times counts once: each (question, section, visitor) keeps only
its latest vote. An editor restores an answer by adding the question to the section's
phrasings in the content file, or with ``flask ask restore``, which forgets its votes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Boolean, DateTime, Integer, String, UniqueConstraint, delete, func, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from site_app.assistant.answer import Answer
from site_app.assistant.index import MAX_LENGTH
from site_app.assistant.unanswered import key
from site_app.extensions import db
from site_app.outbox.models import db_now

NOES = 3
WINDOW = timedelta(days=90)
MAX_ROWS = 50_000  # (question, section, visitor) votes kept
log = logging.getLogger(__name__)
_QUESTION_END = re.compile(r"(?<=[?.!;])\s+")


class VisitorVote(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assistant_visitor_votes"
    __table_args__ = (UniqueConstraint("question", "section", "visitor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(String(MAX_LENGTH))
    section: Mapped[str] = mapped_column(String(100))
    visitor: Mapped[str] = mapped_column(String(64))  # the client's keyed hash
    helped: Mapped[bool] = mapped_column(Boolean)
    voted_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def remember(question: str, section: str, visitor: str, helped: bool, now: datetime) -> bool:
    """This visitor's latest vote on the answer, in the caller's transaction; False when
    the table is full."""
    mine = (
        (VisitorVote.question == question)
        & (VisitorVote.section == section)
        & (VisitorVote.visitor == visitor)
    )
    changed = db.session.execute(
        sql_update(VisitorVote).where(mine).values(helped=helped, voted_at=now)
    )
    if changed.rowcount:  # type: ignore[attr-defined]
        return True
    if (db.session.scalar(select(func.count()).select_from(VisitorVote)) or 0) >= MAX_ROWS:
        return False
    db.session.add(
        VisitorVote(
            question=question, section=section, visitor=visitor, helped=helped, voted_at=now
        )
    )
    db.session.flush()
    return True


def _against(question: str, section: str) -> bool:
    since = db_now() - WINDOW
    pair = (VisitorVote.question == question) & (VisitorVote.section == section)
    noes, yeses = db.session.execute(
        select(
            func.count().filter(VisitorVote.helped.is_(False)),
            func.count().filter(VisitorVote.helped.is_(True)),
        ).where(pair, VisitorVote.voted_at >= since)
    ).one()
    return noes >= NOES and not yeses


def _phrased(question: str, section: str) -> bool:
    """The editor put the question among the section's phrasings."""
    guide = current_app.extensions["guide"]
    asks = {s.slug: s.asks for s in guide.sections}
    asks["takeaways"] = guide.takeaway_asks
    asks["contact"] = guide.contact_asks
    phrased = (key(q) for line in asks.get(section, ()) for q in _QUESTION_END.split(line))
    return question in phrased


def applied(question: str, result: Answer) -> Answer:
    """The answer, or the hand-off with its sections as suggestions when visitors withdrew
    it. The database failing never fails the answer: it is then given as it is."""
    if not result.answered:
        return result
    asked, shown = key(question), result.hits[0].passage.key
    try:
        withdrawn = _against(asked, shown) and not _phrased(asked, shown)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("assistant: could not read the votes; answering as usual", exc_info=True)
        return result
    if not withdrawn:
        return result
    closest = [h.passage for h in result.hits] + list(result.suggestions)
    return replace(result, hits=(), suggestions=tuple(dict.fromkeys(closest))[:3])


def listed(limit: int) -> list[tuple[str, str, int]]:
    """Withdrawn answers: (question, section, visitors who said No), most Noes first."""
    since = db_now() - WINDOW
    noes = func.count().filter(VisitorVote.helped.is_(False))
    yeses = func.count().filter(VisitorVote.helped.is_(True))
    query = (
        select(VisitorVote.question, VisitorVote.section, noes)
        .where(VisitorVote.voted_at >= since)
        .group_by(VisitorVote.question, VisitorVote.section)
        .having(noes >= NOES, yeses == 0)
        .order_by(noes.desc())
        .limit(limit)
    )
    return [(q, s, int(n)) for q, s, n in db.session.execute(query).all()]


def restore(question: str, section: str) -> int:
    """Forget the votes on one answer to one question: it is given again."""
    pair = (VisitorVote.question == key(question)) & (VisitorVote.section == section)
    result = db.session.execute(delete(VisitorVote).where(pair))
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge(older_than: timedelta) -> int:
    result = db.session.execute(
        delete(VisitorVote).where(VisitorVote.voted_at < db_now() - max(older_than, WINDOW))
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
