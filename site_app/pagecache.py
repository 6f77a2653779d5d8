"""Public pages answered from memory, before Flask.

A guide page is the same for every visitor and never changes while the
process runs (it was rendered at start-up). So the first time Flask answers
a GET with ``Cache-Control: public`` and no cookie, this WSGI layer keeps the
body and headers, per path, scheme and encoding, and answers the next such
request itself, including the 304 to a matching ``If-None-Match``; only the
request id is new. Everything else, and any request it cannot answer
exactly as Flask would, goes on to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from werkzeug.http import parse_etags, unquote_etag

from site_app.web import negotiate, new_request_id

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Key = tuple[str, str, str, bool]  # path, scheme, encoding, answered with a 304
ROUTE = "glissando.route"  # the URL rule Flask matched, kept and set again on each hit


class Entry(NamedTuple):
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None
    route: str


# Conditions only Flask evaluates; the layer answers plain GETs and If-None-Match.
_PASS_ON = ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_RANGE", "HTTP_RANGE")
_MAX_ENTRIES = 512


class PageCache:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.entries: dict[Key, Entry] = {}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if (
            method not in ("GET", "HEAD")
            or environ.get("QUERY_STRING")  # keyed by path: /ask?q=... never shares an answer
            or any(key in environ for key in _PASS_ON)
        ):
            return self.app(environ, start_response)
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        scheme = environ["wsgi.url_scheme"]
        encoding = negotiate(environ.get("HTTP_ACCEPT_ENCODING"))
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        full = self.entries.get((path, scheme, encoding, False))
        fresh = bool(
            full is not None
            and full.etag
            and if_none_match
            and parse_etags(if_none_match).contains_weak(full.etag)
        )
        entry = self.entries.get((path, scheme, encoding, True)) if fresh else full
        if entry is None:
            if method == "HEAD" or (if_none_match and not fresh):
                return self.app(environ, start_response)
            return self._fill((path, scheme, encoding, fresh), environ, start_response)
        environ[ROUTE] = entry.route
        request_id = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        start_response(entry.status, [*entry.headers, ("X-Request-ID", request_id)])
        return [] if method == "HEAD" else [entry.body]

    def _fill(
        self, key: Key, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Let Flask answer, and keep the answer if it is the same for everyone."""
        captured: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            captured.append((status, headers))
            return start_response(status, headers, *exc)

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        status, headers = captured[0]
        if _cacheable(status, headers) and len(self.entries) < _MAX_ENTRIES:
            kept = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            etag = next((v for k, v in headers if k.lower() == "etag"), None)
            route = environ.get(ROUTE, "(unmatched)")
            self.entries[key] = Entry(
                status, kept, body, unquote_etag(etag)[0] if etag else None, route
            )
        return [body]


def _cacheable(status: str, headers: list[tuple[str, str]]) -> bool:
    found = {k.lower(): v for k, v in headers}
    return (
        status[:3] in ("200", "304")
        and "public" in found.get("cache-control", "")
        and "set-cookie" not in found
        and found.get("vary", "Accept-Encoding").lower() == "accept-encoding"
    )
