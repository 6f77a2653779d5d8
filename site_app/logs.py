"""Logging to stdout, every line carrying the request id when there is one."""

from __future__ import annotations

import logging
import sys

from flask import Flask, g, has_request_context

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = getattr(record, "request_id", None)
        if request_id is None:
            request_id = g.get("request_id", "-") if has_request_context() else "-"
        record.request_id = request_id
        return True


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_glissando", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RequestIdFilter())
        handler._glissando = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    app.logger.handlers.clear()
    app.logger.propagate = True
