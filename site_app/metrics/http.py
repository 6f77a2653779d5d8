"""Counting and timing every request, as the outermost WSGI layer.

Outermost, so the page cache's and WhiteNoise's answers count too. The
``route`` label is the URL rule Flask matched (``/guide/<slug>``), never the
raw path, which would give every mistyped URL a series of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any

from flask import request
from prometheus_client import Counter, Histogram

from site_app.pagecache import ROUTE, WSGIApp

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def note_route() -> None:
    """Flask hook: leave the matched rule where this layer (and the page cache) find it."""
    rule = request.url_rule
    request.environ[ROUTE] = rule.rule if rule is not None else "(unmatched)"


def route_of(environ: dict[str, Any]) -> str:
    route = environ.get(ROUTE)  # from Flask, or from the page cache answering for it
    if route is not None:
        return str(route)
    if environ.get("PATH_INFO", "").startswith("/static/"):
        return "/static/<file>"  # WhiteNoise answers these before Flask
    return "(unmatched)"


class Instrumented:
    def __init__(self, app: WSGIApp, requests: Counter, duration: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.duration = duration
        # labels() validates and locks on every call: keep each label set's children.
        self.children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = perf_counter()
        status = ["500"]

        def capture(line: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            status[0] = line[:3]
            return start_response(line, headers, *exc_info)

        try:
            return self.app(environ, capture)
        finally:
            method = environ.get("REQUEST_METHOD", "")
            key = (method if method in _METHODS else "other", route_of(environ), status[0])
            children = self.children.get(key)
            if children is None:
                children = self.children[key] = (
                    self.requests.labels(*key),
                    self.duration.labels(*key[:2]),
                )
            children[0].inc()
            children[1].observe(perf_counter() - started)
