"""Readiness for load balancers: this instance can serve, meaning the process
answers and its database does.

Delayed mail is not a reason to stop serving pages and taking inquiries (they
are stored safely before the visitor is answered): it is an alert
(``GlissandoMailBacklog`` in ``config/prometheus/alerts.yml``), and the relay's
errors stay on ops surfaces (``flask outbox status``, metrics, logs).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from site_app.extensions import db
from site_app.outbox.models import Inquiry

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    report: dict[str, object] = {"status": "ok"}
    try:
        db.session.execute(select(Inquiry.id).limit(1))  # the database and the outbox table
        report["database"] = db.engine.dialect.name
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        first_line = next(iter(str(error).splitlines()), "")
        log.warning("readyz: database unreachable: %s: %s", type(error).__name__, first_line)
        report = {"status": "unavailable", "problems": ["database unreachable"]}
    response = jsonify(report)
    response.status_code = 200 if report["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
