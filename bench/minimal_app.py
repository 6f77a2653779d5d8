"""The throughput baseline: Flask answering a guide URL with fixed bytes, nothing else.

``BENCH_BODY_DIR`` holds the site's own answer for the page, fetched just before:
``body`` (identity), ``body.br`` and ``content-type``.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request

_folder = Path(os.environ["BENCH_BODY_DIR"])
_identity = (_folder / "body").read_bytes()
_brotli = (_folder / "body.br").read_bytes()
_content_type = (_folder / "content-type").read_text()

app = Flask(__name__)


@app.get("/guide/<slug>")
def page(slug: str) -> Response:
    if "br" in request.headers.get("Accept-Encoding", ""):
        return Response(_brotli, content_type=_content_type, headers={"Content-Encoding": "br"})
    return Response(_identity, content_type=_content_type)


@app.get("/healthz")
def healthz() -> str:
    return "ok\n"  # what tests/servers.Gunicorn waits for before it hands the server over
