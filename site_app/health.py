"""Readiness for ops and load balancers: the database answers, mail is moving.

A failing relay (a rejected certificate, refused credentials, no answer) is
reported at once under ``relay`` with ``status: degraded``, but still as 200:
the form keeps storing inquiries safely, and every worker shares the one
relay, so a 503 would turn a mail outage into a site outage. Once pending
mail is older than ``READY_MAX_PENDING_AGE`` the answer is 503.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select, text

from site_app.extensions import db
from site_app.outbox import store
from site_app.outbox.models import PENDING, Inquiry, db_now

bp = Blueprint("health", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def relay_problem() -> dict[str, object] | None:
    """The newest error among pending inquiries, unless a delivery has succeeded since."""
    failed = db.session.execute(
        select(Inquiry.last_error, Inquiry.last_attempt_at)
        .where(Inquiry.status == PENDING, Inquiry.last_error.is_not(None))
        .order_by(Inquiry.last_attempt_at.desc())
        .limit(1)
    ).first()
    if failed is None or failed.last_attempt_at is None:
        return None
    delivered = db.session.scalar(select(func.max(Inquiry.delivered_at)))
    if delivered is not None and delivered > failed.last_attempt_at:
        return None  # that error was about one message; the relay itself works
    return {
        "last_error": failed.last_error,
        "last_attempt_seconds_ago": round((db_now() - failed.last_attempt_at).total_seconds()),
    }


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    problems: list[str] = []
    report: dict[str, object] = {}
    try:
        db.session.execute(text("SELECT 1"))
        oldest = store.oldest_pending()
        report["database"] = db.engine.dialect.name
        if oldest is not None:
            age = (db_now() - oldest).total_seconds()
            report["oldest_pending_seconds"] = round(age)
            if age > current_app.config["READY_MAX_PENDING_AGE"]:
                problems.append(f"pending mail is {round(age)} s old")
                report["last_error"] = store.last_error()
        relay = relay_problem()
        if relay is not None:
            report["relay"] = relay
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        problems.append(f"database unreachable: {type(error).__name__}")
    report["status"] = "unavailable" if problems else "degraded" if "relay" in report else "ok"
    report["problems"] = problems
    response = jsonify(report)
    response.status_code = 200 if not problems else 503
    response.headers["Cache-Control"] = "no-store"
    return response
