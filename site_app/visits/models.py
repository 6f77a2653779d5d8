"""The counts: per day and page, never per person.

A visitor is a hash of address and browser keyed with the day's salt
(``visitor_salts``, a table of its own, deleted once the day is over); the hashes
(``visitor_marks``) only tell one visitor from another within a day, and two days after
it they are folded into ``visitor_counts`` and deleted. No address, user agent or cookie
is stored anywhere.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from site_app.extensions import db

SITE = ""  # the page of a visitor_marks/visitor_counts row that counts the whole site


class ViewCount(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "view_counts"
    __table_args__ = (
        UniqueConstraint(
            "day",
            "page",
            "referrer",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            name="uq_view_counts_key",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    page: Mapped[str] = mapped_column(String(64))
    referrer: Mapped[str] = mapped_column(String(64))
    utm_source: Mapped[str] = mapped_column(String(100))
    utm_medium: Mapped[str] = mapped_column(String(100))
    utm_campaign: Mapped[str] = mapped_column(String(100))
    views: Mapped[int] = mapped_column(Integer)
    visits: Mapped[int] = mapped_column(Integer)  # views that began a visit


class VisitorMark(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "visitor_marks"
    __table_args__ = (UniqueConstraint("day", "page", "visitor", name="uq_visitor_marks_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    page: Mapped[str] = mapped_column(String(64))
    visitor: Mapped[str] = mapped_column(String(32))


class VisitorCount(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "visitor_counts"
    __table_args__ = (UniqueConstraint("day", "page", name="uq_visitor_counts_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    page: Mapped[str] = mapped_column(String(64))
    visitors: Mapped[int] = mapped_column(Integer)


class VisitorSalt(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "visitor_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class EventCount(db.Model):  # type: ignore[name-defined,misc]
    """The assistant's questions and votes per day: asked, answered, handed_off, yes, no."""

    __tablename__ = "event_counts"
    __table_args__ = (UniqueConstraint("day", "name", name="uq_event_counts_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
