"""HTTP concerns shared by every page: compression, ETags, security headers,
request ids, health checks and error pages."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from wsgiref.headers import Headers

import brotli
from flask import Blueprint, Flask, Response, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import parse_accept_header

bp = Blueprint("web", __name__)
log = logging.getLogger(__name__)

ENCODINGS = ("br", "gzip")
_COMPRESSIBLE = re.compile(r"^(text/|application/(xml|json|ld\+json)|image/svg)")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


@dataclass(frozen=True)
class Encoded:
    """One body in every encoding we serve, each with its own strong ETag."""

    variants: dict[str, bytes]
    etags: dict[str, str]

    @classmethod
    def of(cls, body: bytes) -> Encoded:
        """Compressed hard, once: these bodies are served many times."""
        variants = {
            "identity": body,
            "gzip": gzip.compress(body, compresslevel=9, mtime=0),
            "br": brotli.compress(body, quality=11),
        }
        etags = {k: hashlib.blake2b(v, digest_size=12).hexdigest() for k, v in variants.items()}
        return cls(variants, etags)


def negotiate(accept_encoding: str | None) -> str:
    """The encoding to answer in: br, else gzip, else identity."""
    accepted = [value for value, quality in parse_accept_header(accept_encoding) if quality > 0]
    return next((name for name in ENCODINGS if name in accepted), "identity")


def new_request_id(incoming: str | None) -> str:
    """The proxy's request id when it looks like one, else a fresh one."""
    return incoming if incoming and _REQUEST_ID.match(incoming) else os.urandom(8).hex()


def send_encoded(encoded: Encoded, mimetype: str, cache_control: str) -> Response:
    """Answer with the best encoding the client takes, honouring If-None-Match."""
    name = negotiate(request.headers.get("Accept-Encoding"))
    headers = {
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
        "ETag": f'"{encoded.etags[name]}"',
    }
    if name != "identity":
        headers["Content-Encoding"] = name
    response = Response(encoded.variants[name], mimetype=mimetype, headers=headers)
    response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_assign_request_id)
    app.after_request(_compress)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _assign_request_id() -> None:
    g.request_id = new_request_id(request.headers.get("X-Request-ID"))


def _compress(response: Response) -> Response:
    if (
        response.direct_passthrough
        or "Content-Encoding" in response.headers
        or response.status_code < 200
        or response.status_code in (204, 304)
        or not _COMPRESSIBLE.match(response.mimetype or "")
    ):
        return response
    body = response.get_data()
    if len(body) < 512:
        return response
    response.vary.add("Accept-Encoding")
    name = negotiate(request.headers.get("Accept-Encoding"))
    if name == "gzip":
        response.set_data(gzip.compress(body, compresslevel=6))
    elif name == "br":
        response.set_data(brotli.compress(body, quality=5))
    if name != "identity":
        response.headers["Content-Encoding"] = name
    return response


SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def static_headers(headers: Headers, path: str, url: str) -> None:
    """WhiteNoise answers before Flask sees the request: give its files the same headers."""
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value


def _security_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if "request_id" in g:
        headers["X-Request-ID"] = g.request_id
    return response


def _http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        return error
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    body = render_template(template, error=error)
    response = Response(body, status=error.code, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    valid_methods = getattr(error, "valid_methods", None)
    if error.code == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def _unexpected_error(error: Exception) -> Response | HTTPException:
    if isinstance(error, HTTPException):
        return _http_error(error)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())


@bp.get("/healthz")
def healthz() -> Response:
    response = Response("ok\n", mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response
