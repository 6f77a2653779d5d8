"""Questions the guide had no good answer to, for the people who write it.

Only the text is kept (no address, no cookie, no time of each ask): one row
per distinct question with how often and when it was last asked. The table
is bounded, so asking cannot fill the disk, and ``flask outbox purge`` forgets
questions nobody has asked within the purge age.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from site_app.assistant.index import MAX_LENGTH
from site_app.extensions import db
from site_app.outbox.models import db_now

MAX_ROWS = 10_000
log = logging.getLogger(__name__)


class UnansweredQuestion(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assistant_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(MAX_LENGTH), unique=True)
    asks: Mapped[int] = mapped_column(Integer, default=1)
    first_asked: Mapped[datetime] = mapped_column(DateTime)
    last_asked: Mapped[datetime] = mapped_column(DateTime, index=True)


def key(question: str) -> str:
    """Questions differing only in case or end punctuation count as one."""
    return question.casefold().rstrip(" ?!.")[:MAX_LENGTH] or question[:MAX_LENGTH]


def record(question: str) -> None:
    """Count one more ask of ``question``; never fails the visitor's request."""
    text, table = key(question), UnansweredQuestion
    try:
        now = db_now()
        bumped = db.session.execute(
            update(table).where(table.text == text).values(asks=table.asks + 1, last_asked=now)
        )
        if not bumped.rowcount:  # type: ignore[attr-defined]
            if (db.session.scalar(select(func.count()).select_from(table)) or 0) >= MAX_ROWS:
                db.session.rollback()
                log.warning("unanswered questions: %d kept, not adding more", MAX_ROWS)
                return
            db.session.add(table(text=text, asks=1, first_asked=now, last_asked=now))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another worker added it a moment ago: its count stands
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not record an unanswered question")


def most_asked(limit: int) -> list[UnansweredQuestion]:
    query = select(UnansweredQuestion).order_by(
        UnansweredQuestion.asks.desc(), UnansweredQuestion.last_asked.desc()
    )
    return list(db.session.scalars(query.limit(limit)))


def purge(older_than: timedelta) -> int:
    """Forget questions last asked longer ago than ``older_than``."""
    cutoff = db_now() - older_than
    result = db.session.execute(
        UnansweredQuestion.__table__.delete().where(UnansweredQuestion.last_asked < cutoff)
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
