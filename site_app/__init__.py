"""The Glissando microsite: the foundation-models guide and its contact form."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from site_app import (
    assets,
    assistant,
    cli,
    contact,
    database,
    guide,
    health,
    logs,
    metrics,
    report,
    review,
    teaching,
    triage,
    visits,
    web,
)
from site_app.config import INSTANCE, ROOT, load
from site_app.extensions import db, mail
from site_app.pagecache import PageCache


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    config = load(os.environ, overrides)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=None,
        instance_path=str(INSTANCE),
    )
    app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)

    logs.init_app(app)
    db.init_app(app)
    mail.init_app(app)
    database.init_app(app)
    web.init_app(app)
    health.init_app(app)
    app.wsgi_app = PageCache(app.wsgi_app)  # type: ignore[method-assign]
    visits.init_app(app)  # the pixel, answered before the page cache and Flask
    assets.init_app(app, ROOT / "static", INSTANCE / "static")
    triage.init_app(app)
    contact.init_app(app)
    review.init_app(app)
    teaching.init_app(app)
    assistant.init_app(app)
    guide.init_app(app)  # last: it renders every guide page once, linking to the rest
    cli.init_app(app)
    report.init_app(app)
    _trust_proxy(app)
    metrics.init_app(app)  # outermost: every answer counts, the page cache's included
    return app


def _trust_proxy(app: Flask) -> None:
    """Believe X-Forwarded-* only as far as ops said a proxy sets them."""
    hops = {
        k: app.config[f"PROXY_FIX_X_{k.upper()}"]
        for k in ("for", "proto", "host", "port", "prefix")
    }
    if any(hops.values()):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=hops["for"],
            x_proto=hops["proto"],
            x_host=hops["host"],
            x_port=hops["port"],
            x_prefix=hops["prefix"],
        )
