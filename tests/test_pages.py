"""What a reader, a search engine and a cache see on every page."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import brotli
import pytest
from flask.testing import FlaskClient

from site_app.guide.content import load_guide
from tests.conftest import form_tokens

GUIDE = load_guide()
# The scraped source beside the project: the text the pages must reproduce.
SEED = Path(__file__).resolve().parent / "data" / "foundation-models-guide.txt"
SECTION_PATHS = [f"/guide/{s.slug}" for s in GUIDE.sections]
PAGES = ["/", *SECTION_PATHS, "/contact"]


class Page(HTMLParser):
    """Just enough of an HTML reader to check the head and the landmarks."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self.h1: list[str] = []
        self.title = ""
        self.scripts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if "h1" in self._in:
            self.h1.append(data)
        if self._in and self._in[-1] == "title":
            self.title += data
        if self._in and self._in[-1] == "script":
            self.scripts.append(data)

    def meta(self, key: str) -> str | None:
        for tag, attrs in self.tags:
            if tag == "meta" and key in (attrs.get("name"), attrs.get("property")):
                return attrs.get("content")
        return None

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())
        ]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def page(client: FlaskClient, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200, path
    return Page(response.get_data(as_text=True))


def seed_paragraph(title: str) -> str:
    """The paragraph under a numbered heading in the scraped source, read independently."""
    text = SEED.read_text(encoding="utf-8")
    match = re.search(rf"\d\. {re.escape(title)}\n\n(.+?)\n", text)
    assert match, title
    return match[1]


@pytest.mark.parametrize("section", GUIDE.sections, ids=lambda s: s.slug)
def test_each_section_has_its_own_page_with_the_seed_text_word_for_word(
    client: FlaskClient, section: object
) -> None:
    s = GUIDE.section(section.slug)  # type: ignore[attr-defined]
    assert s is not None
    p = page(client, f"/guide/{s.slug}")
    assert " ".join(p.h1).split() == f"{s.number}. {s.title}".split()
    assert seed_paragraph(s.title) in p.plain
    others = [o for o in GUIDE.sections if o.slug != s.slug]
    assert all(seed_paragraph(o.title) not in p.plain for o in others)
    assert p.find("a", href="/") or p.find("a", href="/#contents")
    assert p.find("a", href="/contact")


def test_sections_link_previous_and_next_in_order(client: FlaskClient) -> None:
    for i, s in enumerate(GUIDE.sections):
        p = page(client, f"/guide/{s.slug}")
        prev_links = p.find("a", rel="prev")
        next_links = p.find("a", rel="next")
        if i == 0:
            assert prev_links == []
        else:
            assert prev_links[0]["href"] == f"/guide/{GUIDE.sections[i - 1].slug}"
        if i == len(GUIDE.sections) - 1:
            assert next_links == []
        else:
            assert next_links[0]["href"] == f"/guide/{GUIDE.sections[i + 1].slug}"


def test_home_has_title_lede_contents_takeaways_and_a_call_to_contact(client: FlaskClient) -> None:
    seed = SEED.read_text(encoding="utf-8").splitlines()
    p = page(client, "/")
    assert " ".join(p.h1) == seed[0]
    assert seed[2] in p.plain  # the lede
    for s in GUIDE.sections:
        assert p.find("a", href=f"/guide/{s.slug}")
        assert s.summary in p.plain and seed_paragraph(s.title).startswith(s.summary)
    takeaways = [line.strip(" •") for line in seed if line.strip().startswith("•")]
    assert len(takeaways) == 4
    for line in takeaways:
        assert line in p.plain
    assert p.find("a", href="/contact")


def test_contact_page_has_phone_email_and_the_seed_labels(client: FlaskClient) -> None:
    p = page(client, "/contact")
    assert p.find("a", href="tel:+19169361544")
    assert p.find("a", href="mailto:info@glissando.ai")
    assert "+1 916 936 1544" in p.plain
    for label in ("Name", "Email", "What service do you need?", "Message"):
        assert label in p.plain
    for name in ("name", "email", "service", "message"):
        assert (
            p.find("input", name=name)
            or p.find("select", name=name)
            or p.find("textarea", name=name)
        )
    assert p.find("option", value="Chatbot")


def test_every_page_has_its_own_title_description_and_head(client: FlaskClient) -> None:
    titles, descriptions = set(), set()
    for path in PAGES:
        response = client.get(path)
        html = response.get_data(as_text=True)
        p = Page(html)
        assert html.startswith('<!doctype html>\n<html lang="en">')
        assert len(p.h1) >= 1 and len([t for t, _ in p.tags if t == "h1"]) == 1, path
        titles.add(p.title)
        descriptions.add(p.meta("description"))
        [canonical] = p.find("link", rel="canonical")
        assert canonical["href"] == "http://localhost" + path
        assert p.meta("og:title") and p.meta("og:description") and p.meta("og:url")
        assert p.meta("twitter:card") == "summary"
        assert p.find("a", href="#main") and p.find("main", id="main")
        assert p.find("header") and p.find("footer") and p.find("nav")
        for block in p.scripts:
            json.loads(block)  # JSON-LD is valid JSON
    assert len(titles) == len(PAGES) and len(descriptions) == len(PAGES)


def test_json_ld_article_on_sections_and_organization_on_home(client: FlaskClient) -> None:
    home = json.loads(page(client, "/").scripts[0])
    assert home["@type"] == "Organization"
    assert home["contactPoint"]["telephone"] == "+19169361544"
    assert home["contactPoint"]["email"] == "info@glissando.ai"
    first = GUIDE.sections[0]
    article = json.loads(page(client, f"/guide/{first.slug}").scripts[0])
    assert article["@type"] == "Article" and article["headline"] == first.title


def test_unknown_pages_get_a_real_404_page(client: FlaskClient) -> None:
    for path in ("/guide/no-such-section", "/nothing-here", "/guide/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        p = Page(response.get_data(as_text=True))
        assert "Page not found" in p.plain
        assert p.find("a", href="/")


def test_sitemap_lists_every_page_and_robots_names_it(client: FlaskClient) -> None:
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap.get_data(as_text=True))
    assert locs == ["http://localhost" + p for p in PAGES]
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots


def test_favicon_is_linked_and_served(client: FlaskClient) -> None:
    [icon] = page(client, "/").find("link", rel="icon")
    response = client.get(icon["href"])
    assert response.status_code == 200 and b"<svg" in response.data


@pytest.mark.parametrize("path", [*PAGES, "/nothing-here", "/healthz"])
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp)
    assert script_src and "unsafe" not in script_src[1]
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP


def test_hsts_only_over_https(client: FlaskClient) -> None:
    headers = client.get("/", base_url="https://localhost").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_static_files_are_fingerprinted_compressed_and_cached_a_year(client: FlaskClient) -> None:
    [css] = page(client, "/").find("link", rel="stylesheet")
    assert re.fullmatch(r"/static/site\.[0-9a-f]{12}\.css", css["href"])
    plain = client.get(css["href"])
    assert plain.status_code == 200
    assert "immutable" in plain.headers["Cache-Control"]
    assert "max-age=31536000" in plain.headers["Cache-Control"]
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    br = client.get(css["href"], headers={"Accept-Encoding": "br"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.data) == plain.data
    gz = client.get(css["href"], headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.data) == plain.data


@pytest.mark.parametrize("path", [*SECTION_PATHS, "/", "/sitemap.xml"])
def test_guide_pages_are_public_cacheable_cookieless_and_conditional(
    client: FlaskClient, path: str
) -> None:
    plain = client.get(path)
    assert "Set-Cookie" not in plain.headers
    assert re.fullmatch(r"public, max-age=\d+", plain.headers["Cache-Control"])
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = client.get(path, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decode(response.data) == plain.data
        etag = response.headers["ETag"]
        again = client.get(path, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
    stale = client.get(path, headers={"If-None-Match": '"not-the-etag"'})
    assert stale.status_code == 200


def test_contact_page_alone_carries_a_session_and_is_not_cached(client: FlaskClient) -> None:
    response = client.get("/contact", headers={"Accept-Encoding": "br"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Encoding"] == "br"  # dynamic HTML is compressed too


def test_health_check_is_cheap_and_ready_check_reports_the_database(client: FlaskClient) -> None:
    assert client.get("/healthz").data == b"ok\n"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["database"] == "sqlite"


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.post("/guide/why-do-they-matter")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Method not allowed" in response.get_data(as_text=True)


def test_repeat_requests_are_answered_alike_from_memory(client: FlaskClient) -> None:
    """The second answer to a public page comes from the page cache: same bytes, same headers."""
    path = SECTION_PATHS[2]
    for headers in ({}, {"Accept-Encoding": "br"}, {"Accept-Encoding": "gzip"}):
        first, second = client.get(path, headers=headers), client.get(path, headers=headers)
        assert first.data == second.data
        same = {k: v for k, v in first.headers if k != "X-Request-ID"}
        assert same == {k: v for k, v in second.headers if k != "X-Request-ID"}
        assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
        etag = first.headers["ETag"]
        for _ in range(2):
            again = client.get(path, headers={**headers, "If-None-Match": etag})
            assert again.status_code == 304 and again.data == b""
        head = client.head(path, headers=headers)
        assert head.status_code == 200 and head.data == b""
        assert head.headers["Content-Length"] == str(len(first.data))
    https = client.get(path, base_url="https://localhost")
    assert "Strict-Transport-Security" in https.headers
    assert "Strict-Transport-Security" not in client.get(path).headers
    first_visit = client.get("/contact")  # never served from the cache
    stranger = client.application.test_client().get("/contact")
    assert form_tokens(first_visit.get_data(as_text=True)) != form_tokens(
        stranger.get_data(as_text=True)
    )
