"""Readiness for ops and load balancers: the database answers, mail is moving."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from site_app.extensions import db
from site_app.outbox import store
from site_app.outbox.models import utcnow

bp = Blueprint("health", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    problems: list[str] = []
    report: dict[str, object] = {}
    try:
        db.session.execute(text("SELECT 1"))
        oldest = store.oldest_pending()
        report["database"] = db.engine.dialect.name
        if oldest is not None:
            age = (utcnow() - oldest).total_seconds()
            report["oldest_pending_seconds"] = round(age)
            if age > current_app.config["READY_MAX_PENDING_AGE"]:
                problems.append(f"pending mail is {round(age)} s old")
                report["last_error"] = store.last_error()
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        problems.append(f"database unreachable: {type(error).__name__}")
    report["status"] = "ok" if not problems else "unavailable"
    report["problems"] = problems
    response = jsonify(report)
    response.status_code = 200 if not problems else 503
    response.headers["Cache-Control"] = "no-store"
    return response
