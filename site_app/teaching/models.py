"""The refits of triage's wording model: one row per set of sales' decisions, so however
many workers on however many hosts notice a new decision, one of them fits and every
other loads what it stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from site_app.extensions import db
from site_app.outbox.models import utcnow


class Refit(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "triage_refits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A digest of the decisions it learned from (and of the shipped model): unique.
    examples_key: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)  # None: being fitted
    owner: Mapped[str] = mapped_column(String(64))
    genuine: Mapped[int] = mapped_column(Integer, default=0)
    spam: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str | None] = mapped_column(Text)  # {"prior": ..., "weights": {...}}
    # What the refit changed, as `flask triage learned` prints it.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
