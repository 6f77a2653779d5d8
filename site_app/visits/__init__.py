"""Counting views of the public pages: first-party, without cookies, per day.

Each counted page (home, the guide's sections, /ask, /contact) ends with a request for
``/v.gif``: the page itself is the same for everyone and is served from the page cache
or nginx's, but the pixel is never cached (``no-store``), so every view reaches a worker
here whatever answered the page. Without JavaScript the browser loads it from a
``<noscript>`` image; with JavaScript, ``static/count.js`` loads it once (after a
prerendered page is shown), adding ``?r=`` the page's own referrer, which only a script
can read. The pixel's ``Referer`` names the page and carries the landing URL's utm tags.
Machines, prefetches, HEAD and other sites' pages are answered but not counted; error
pages, health checks and the chat panel's requests carry no pixel.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import Flask, current_app, request

from site_app.guide.content import load_guide
from site_app.pagecache import ROUTE, WSGIApp
from site_app.visits import classify, store
from site_app.visits.tally import Tally

PIXEL = "/v.gif"
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
HEADERS = [
    ("Content-Type", "image/gif"),
    ("Content-Length", str(len(GIF))),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    guide = load_guide()
    pages = frozenset(["/", "/ask", "/contact", *(f"/guide/{s.slug}" for s in guide.sections)])
    tally = Tally(app)
    app.extensions["visits"] = tally
    app.jinja_env.globals["count_pixel"] = lambda: request.script_root + PIXEL
    app.wsgi_app = Pixel(app.wsgi_app, tally, pages)  # type: ignore[method-assign]


def count_event(name: str) -> None:
    """Count one of the assistant's events today (asked, answered, handed_off, yes, no),
    unless a machine or a prefetch made the request."""
    if classify.by_a_person(request.environ):
        current_app.extensions["visits"].event(name)


def purge(today: date) -> int:
    return store.purge(today)


class Pixel:
    """Answers ``GET /v.gif`` before Flask (it is as cheap as a page from the page cache)
    and counts it; every other request goes on."""

    def __init__(self, app: WSGIApp, tally: Tally, pages: frozenset[str]) -> None:
        self.app, self.tally, self.pages = app, tally, pages

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PIXEL or environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        environ[ROUTE] = PIXEL
        try:
            self._count(environ)
        except Exception:  # noqa: BLE001 - a view not counted, never a failed pixel
            log.warning("a view could not be counted", exc_info=True)
        start_response("200 OK", list(HEADERS))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [GIF]

    def _count(self, environ: dict[str, Any]) -> None:
        if not classify.by_a_person(environ):
            return
        host = environ.get("HTTP_HOST", "")
        found = classify.landing(environ.get("HTTP_REFERER", ""), host, self.pages)
        if found is None:
            return
        page, utm = found
        referrer = classify.source(environ.get("QUERY_STRING", ""), host)
        self.tally.view(
            page,
            referrer,
            utm,
            classify.is_visit(referrer, utm),
            environ.get("REMOTE_ADDR", ""),
            environ.get("HTTP_USER_AGENT", ""),
        )
