"""Counting views of the public pages: first-party, without cookies, per day.

With ``COUNT_BY=page`` (the default) a view is counted from the page's own request, here,
before the page cache and Flask: a browser's navigation (``Sec-Fetch-Dest: document``) to a
counted page (home, the guide's sections, /ask, /contact) answered 200 or 304. Its
``Referer`` is the visitor's source and its query the campaign, with JavaScript on or off,
and a view costs no second request. A view the server never sees (the browser's own cache,
a prerendered or prefetched page shown later) is counted by ``static/count.js``, which then
loads ``/v.gif`` with ``?r=`` the page's referrer.

With ``COUNT_BY=pixel`` (a cache in front, nginx's, answers pages without asking the site)
every view loads the pixel: from a ``<noscript>`` image without JavaScript, else from
count.js once the page is shown. The pixel is never cached (``no-store``); its ``Referer``
names the page and carries the landing URL's utm tags.

Machines, prefetches, HEAD, background requests and other sites' pages are answered but
not counted; error pages and health checks are not counted pages.
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
    by_page = app.config["COUNT_BY"] == "page"
    app.jinja_env.globals["count_by_page"] = by_page
    app.wsgi_app = Counter(app.wsgi_app, tally, pages, by_page)  # type: ignore[method-assign]


def count_event(name: str) -> None:
    """Count one of the assistant's events today (asked, answered, handed_off, yes, no),
    unless a machine or a prefetch made the request."""
    if classify.by_a_person(request.environ):
        current_app.extensions["visits"].event(name)


def purge(today: date) -> int:
    return store.purge(today)


class Counter:
    """Answers ``GET /v.gif`` before Flask (it is as cheap as a page from the page cache)
    and counts it; with ``by_page``, counts a counted page's own request as it is answered;
    every other request goes on untouched."""

    def __init__(
        self, app: WSGIApp, tally: Tally, pages: frozenset[str], by_page: bool = True
    ) -> None:
        self.app, self.tally, self.pages, self.by_page = app, tally, pages, by_page

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PIXEL and environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            return self._pixel(environ, start_response)
        if not self.by_page or environ["REQUEST_METHOD"] != "GET":
            return self.app(environ, start_response)
        page = path.rstrip("/") or "/"
        if page not in self.pages:
            return self.app(environ, start_response)

        def counting(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            if status[:3] in ("200", "304"):
                self._guarded(self._count_page, environ, page)
            return start_response(status, headers, *exc)

        return self.app(environ, counting)

    def _pixel(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        environ[ROUTE] = PIXEL
        self._guarded(self._count_pixel, environ)
        start_response("200 OK", list(HEADERS))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [GIF]

    @staticmethod
    def _guarded(count: Callable[..., None], *args: Any) -> None:
        try:
            count(*args)
        except Exception:  # noqa: BLE001 - a view not counted, never a failed answer
            log.warning("a view could not be counted", exc_info=True)

    def _count_page(self, environ: dict[str, Any], page: str) -> None:
        if not classify.navigation_by_a_person(environ):
            return
        host = environ.get("HTTP_HOST", "")
        referrer = classify.referrer_site(environ.get("HTTP_REFERER", ""), host)
        utm = classify.campaign(environ.get("QUERY_STRING", ""))
        self._view(environ, page, referrer, utm)

    def _count_pixel(self, environ: dict[str, Any]) -> None:
        if not classify.by_a_person(environ):
            return
        host = environ.get("HTTP_HOST", "")
        found = classify.landing(environ.get("HTTP_REFERER", ""), host, self.pages)
        if found is None:
            return
        page, utm = found
        self._view(environ, page, classify.source(environ.get("QUERY_STRING", ""), host), utm)

    def _view(
        self, environ: dict[str, Any], page: str, referrer: str, utm: tuple[str, ...]
    ) -> None:
        self.tally.view(
            page,
            referrer,
            utm,
            classify.is_visit(referrer, utm),
            environ.get("REMOTE_ADDR", ""),
            environ.get("HTTP_USER_AGENT", ""),
        )
