"""Fingerprinted, pre-compressed static files, served by WhiteNoise.

WhiteNoise serves files and sets far-future caching, but its fingerprinting
lives in Django's storage classes; the few lines here do that part: copy each
file of ``static/`` to ``name.<hash>.ext`` plus ``.gz`` and ``.br`` siblings
in a build folder at start-up, so the name changes whenever the content does.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

import brotli
from flask import Flask
from whitenoise import WhiteNoise

from site_app.config import INSTANCE, ROOT
from site_app.web import static_headers

ONE_YEAR = 365 * 24 * 3600
_COMPRESS = {".css", ".js", ".svg", ".txt", ".xml", ".json", ".webmanifest"}


def _write_atomic(path: Path, data: bytes) -> None:
    if path.exists():
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide them from a server running as another user
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def build(source: Path, target: Path) -> dict[str, str]:
    """Fingerprint every file under ``source`` into ``target``; return name -> hashed name."""
    manifest: dict[str, str] = {}
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = file.relative_to(source)
        data = file.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:12]
        hashed = relative.with_name(f"{relative.stem}.{digest}{relative.suffix}")
        out = target / hashed
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(out, data)
        if file.suffix in _COMPRESS:
            _write_atomic(out.with_name(out.name + ".gz"), gzip.compress(data, 9, mtime=0))
            _write_atomic(out.with_name(out.name + ".br"), brotli.compress(data, quality=11))
        manifest[relative.as_posix()] = hashed.as_posix()
    return manifest


def init_app(app: Flask, source: Path, target: Path) -> None:
    manifest = build(source, target)

    def asset_url(name: str) -> str:
        return f"/static/{manifest[name]}"

    app.jinja_env.globals["asset_url"] = asset_url
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(target),
        prefix="static/",
        max_age=ONE_YEAR,
        immutable_file_test=lambda path, url: True,
        add_headers_function=static_headers,
    )


def prebuild() -> None:
    """Fingerprint ahead of start-up, as the container image does at build time: the site
    then finds every file in place and writes nothing, so a read-only root will do."""
    build(ROOT / "static", INSTANCE / "static")
