"""Did the answer help? Visitors' Yes and No, per question and section shown.

Each answer carries a signed vote token naming the question and the section
it showed (itsdangerous, a salt of its own), so a vote cannot be forged for an
answer nobody was given. A token votes once: its hash is kept until the token
expires, and a replay finds it. Both tables are bounded like the unanswered
questions, so no flood of votes can grow storage past a cap, and
``flask outbox purge`` forgets counts nobody added to within the purge age.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime, timedelta
from enum import Enum

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import DateTime, Integer, String, UniqueConstraint, delete, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from site_app.assistant import withdrawn
from site_app.assistant.index import MAX_LENGTH
from site_app.assistant.unanswered import key
from site_app.extensions import db
from site_app.outbox.models import db_now

MAX_ROWS = 10_000  # (question, section) pairs counted
MAX_TOKENS = 50_000  # used tokens remembered; older than TOKEN_AGE they can go
TOKEN_AGE = timedelta(days=1)  # an answer left open longer than this cannot be voted on
log = logging.getLogger(__name__)


class Outcome(Enum):
    COUNTED = "counted"
    ALREADY = "already"  # this answer's token voted before
    REFUSED = "refused"  # forged, altered or expired
    UNAVAILABLE = "unavailable"  # the database failed, or every bound is reached


class AnswerVote(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assistant_votes"
    __table_args__ = (UniqueConstraint("question", "section"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(String(MAX_LENGTH))
    section: Mapped[str] = mapped_column(String(100))
    yes: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
    last_voted: Mapped[datetime] = mapped_column(DateTime, index=True)


class UsedVoteToken(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assistant_vote_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="assistant-vote")


def sign(question: str, section: str) -> str:
    """A token for one answer shown: the random part makes each showing a vote of its own."""
    return _serializer().dumps([question[:MAX_LENGTH], section[:100], uuid.uuid4().hex[:12]])


def read(token: str) -> tuple[str, str] | None:
    """The question and section a token names, or None if forged, altered or expired."""
    try:
        payload = _serializer().loads(token, max_age=int(TOKEN_AGE.total_seconds()))
    except BadSignature:
        return None
    if isinstance(payload, list) and len(payload) == 3 and all(isinstance(p, str) for p in payload):
        return payload[0], payload[1]
    return None


def _count(table: type[db.Model]) -> int:  # type: ignore[name-defined]
    return db.session.scalar(select(func.count()).select_from(table)) or 0


def _use(token: str, now: datetime) -> bool:
    """Remember the token as used; False when every bound is reached."""
    if _count(UsedVoteToken) >= MAX_TOKENS:
        db.session.execute(delete(UsedVoteToken).where(UsedVoteToken.used_at < now - TOKEN_AGE))
        if _count(UsedVoteToken) >= MAX_TOKENS:
            return False
    digest = hashlib.sha256(token.encode()).hexdigest()
    db.session.add(UsedVoteToken(digest=digest, used_at=now))
    db.session.flush()  # a replay fails here, on the primary key
    return True


def _bump(question: str, section: str, helped: bool, now: datetime) -> bool:
    table = AnswerVote
    column = table.yes if helped else table.no
    found = (table.question == question) & (table.section == section)
    bumped = db.session.execute(
        update(table).where(found).values({column: column + 1, table.last_voted: now})
    )
    if bumped.rowcount:  # type: ignore[attr-defined]
        return True
    if _count(table) >= MAX_ROWS:
        return False
    db.session.add(
        table(
            question=question, section=section, yes=int(helped), no=int(not helped), last_voted=now
        )
    )
    db.session.flush()
    return True


def record(token: str, helped: bool, visitor: str) -> tuple[Outcome, str | None]:
    """Count one vote of ``visitor`` (the client's keyed hash); the outcome and the
    question the token names (None if unreadable)."""
    answered = read(token)
    if answered is None:
        return Outcome.REFUSED, None
    question, section = answered
    for _ in range(2):  # a second try when another worker added the same pair meanwhile
        try:
            now = db_now()
            if not _use(token, now):
                db.session.rollback()
                log.warning("assistant votes: %d tokens kept, not counting more", MAX_TOKENS)
                return Outcome.UNAVAILABLE, question
        except IntegrityError:
            db.session.rollback()
            return Outcome.ALREADY, question
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("could not record an assistant vote")
            return Outcome.UNAVAILABLE, question
        try:
            if not _bump(key(question), section, helped, now):
                db.session.rollback()
                log.warning("assistant votes: %d answers counted, not adding more", MAX_ROWS)
                return Outcome.UNAVAILABLE, question
            if not withdrawn.remember(key(question), section, visitor, helped, now):
                log.warning("assistant votes: %d visitors' votes kept", withdrawn.MAX_ROWS)
            db.session.commit()
            return Outcome.COUNTED, question
        except IntegrityError:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("could not record an assistant vote")
            return Outcome.UNAVAILABLE, question
    return Outcome.UNAVAILABLE, question


def least_helpful(limit: int) -> list[AnswerVote]:
    """Answers with at least one No, most Noes first."""
    query = select(AnswerVote).where(AnswerVote.no > 0)
    query = query.order_by(AnswerVote.no.desc(), AnswerVote.yes, AnswerVote.last_voted.desc())
    return list(db.session.scalars(query.limit(limit)))


def purge(older_than: timedelta) -> int:
    """Forget counts nobody added to within ``older_than``, and tokens that expired."""
    now = db_now()
    db.session.execute(delete(UsedVoteToken).where(UsedVoteToken.used_at < now - TOKEN_AGE))
    result = db.session.execute(delete(AnswerVote).where(AnswerVote.last_voted < now - older_than))
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
