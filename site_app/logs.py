"""Logging to stdout, every line carrying the request id when there is one.

``LOG_FORMAT=text`` (the default) writes one readable line per record;
``LOG_FORMAT=json`` writes one JSON object per line with ``time``, ``level``,
``logger``, ``message`` and ``request_id``. The gunicorn config gives its own
loggers the same formatters (``logconfig_dict``); access lines add ``method``,
``path``, ``status``, ``duration`` (seconds) and the request id of the answer.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

import click
from flask import Flask, g, has_request_context
from pythonjsonlogger.json import JsonFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_FIELDS = {"asctime": "time", "levelname": "level", "name": "logger"}
# Libraries' chatter ops need not read: Alembic announces each plugin it loads, and its
# database dialect before each upgrade ("Running upgrade ..." lines stay).
QUIET = {"alembic.runtime.plugins": logging.WARNING}
_CHATTER = ("Context impl ", "Will assume ")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = getattr(record, "request_id", None)
        if request_id is None:
            request_id = g.get("request_id", "-") if has_request_context() else "-"
        record.request_id = request_id
        return True


def _not_chatter(record: logging.LogRecord) -> bool:
    return not (record.name.startswith("alembic.") and str(record.msg).startswith(_CHATTER))


class JsonLines(JsonFormatter):
    def __init__(self, **_: Any) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields=_FIELDS,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["request_id"] = log_data.get("request_id") or "-"

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class AccessJsonLines(JsonLines):
    """gunicorn's access records carry the request's fields as ``record.args``."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        if atoms:
            log_data["request_id"] = atoms.get("{x-request-id}o") or "-"
            log_data["method"] = atoms.get("m")
            log_data["path"] = atoms.get("U")
            log_data["status"] = int(atoms.get("s") or 0)
            log_data["duration"] = int(atoms.get("D") or 0) / 1_000_000


def handler_for(config: Mapping[str, Any], stream: TextIO) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    json = config["LOG_FORMAT"] == "json"
    handler.setFormatter(JsonLines() if json else logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(_not_chatter)
    handler._glissando = True  # type: ignore[attr-defined]
    return handler


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_glissando", False) for h in root.handlers):
        # The flask command's answer is its stdout; its log lines go to stderr.
        cli = click.get_current_context(silent=True) is not None
        root.addHandler(handler_for(app.config, sys.stderr if cli else sys.stdout))
    root.setLevel(app.config["LOG_LEVEL"])
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(level)
    app.logger.handlers.clear()
    app.logger.propagate = True
