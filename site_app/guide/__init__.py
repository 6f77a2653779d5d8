"""The guide: home, one page per section, sitemap and robots.txt.

Every page here is the same for every visitor, so each is rendered once when
the app starts, compressed once, and served from memory with an ETag.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, Flask, Response, abort, current_app, render_template

from site_app.guide.content import Guide, load_guide
from site_app.web import Encoded, send_encoded

bp = Blueprint("guide", __name__)


def _pages(guide: Guide) -> dict[str, tuple[str, Callable[[], str]]]:
    """Each cacheable path: its mimetype and how to render it."""
    pages: dict[str, tuple[str, Callable[[], str]]] = {
        "/": ("text/html", partial(render_template, "guide/home.html")),
        "/sitemap.xml": ("application/xml", partial(render_template, "sitemap.xml")),
        "/robots.txt": ("text/plain", partial(render_template, "robots.txt")),
    }
    for section in guide.sections:
        previous, following = guide.neighbours(section)
        pages[f"/guide/{section.slug}"] = (
            "text/html",
            partial(
                render_template,
                "guide/section.html",
                section=section,
                previous=previous,
                following=following,
            ),
        )
    return pages


def init_app(app: Flask) -> None:
    guide = load_guide()
    app.extensions["guide"] = guide
    app.jinja_env.globals["guide"] = guide
    app.register_blueprint(bp)
    rendered: dict[str, tuple[str, Encoded]] = {}
    for path, (mimetype, render) in _pages(guide).items():
        with app.test_request_context(path, base_url=app.config["SITE_URL"]):
            rendered[path] = (mimetype, Encoded.of(render().encode()))
    app.extensions["guide_pages"] = rendered


def _serve(path: str) -> Response:
    page = current_app.extensions["guide_pages"].get(path)
    if page is None:
        abort(404)
    mimetype, encoded = page
    max_age = current_app.config["PAGE_MAX_AGE"]
    return send_encoded(encoded, mimetype, f"public, max-age={max_age}")


@bp.get("/")
def home() -> Response:
    return _serve("/")


@bp.get("/guide/<slug>")
def section(slug: str) -> Response:
    return _serve(f"/guide/{slug}")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    return _serve("/sitemap.xml")


@bp.get("/robots.txt")
def robots() -> Response:
    return _serve("/robots.txt")
