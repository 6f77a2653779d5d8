"""Which requests are a person's view, and what a view tells: its page, where the visitor
came from (the referrer's site, search engines by name) and the landing URL's campaign.

Machines are told apart by their user agent against CrawlerDetect's list (the
``crawlerdetect`` package, kept up to date upstream): crawlers, link previews, monitors,
``curl``, ``python-requests``, headless browsers. Prefetch and prerender requests say so in
``Sec-Purpose`` (Chromium), ``Purpose`` or ``X-Moz`` (older browsers). A page's own request
is a view only as a browser's navigation: ``Sec-Fetch-Dest: document`` (every current
browser sends it), or, from a browser too old to send it, ``Upgrade-Insecure-Requests``
with an ``Accept`` of HTML, which scripts' fetches and most tools never send.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawlerdetect import CrawlerDetect

from site_app.domains import registrable

DIRECT = "(direct)"  # the script saw no referrer: typed, bookmarked, a mail app
UNKNOWN = "(no JavaScript)"  # without the script the page's own referrer is not known
INTERNAL = "(this site)"  # from another page of the site: a view, not a visit
UTM = ("utm_source", "utm_medium", "utm_campaign")
UTM_MAX = 100
_PURPOSE = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")
# A search engine's registrable name (google.co.uk -> "google") and the host names its
# results pages live on; the rest of its hosts (mail.google.com) are sites of their own.
SEARCH_ENGINES = {
    "google": "Google",
    "bing": "Bing",
    "duckduckgo": "DuckDuckGo",
    "yahoo": "Yahoo",
    "yandex": "Yandex",
    "baidu": "Baidu",
    "ecosia": "Ecosia",
    "qwant": "Qwant",
    "startpage": "Startpage",
    "brave": "Brave Search",
    "kagi": "Kagi",
    "naver": "Naver",
    "seznam": "Seznam",
}
_SEARCH_HOSTS = ("", "www", "search", "m", "html", "lite")
_DETECTOR = CrawlerDetect()


@lru_cache(maxsize=4096)  # a few hundred user agents make nearly all traffic
def is_machine(user_agent: str) -> bool:
    """No user agent, or one on the crawler list."""
    return not user_agent.strip() or _DETECTOR.is_crawler(user_agent)


def by_a_person(environ: dict[str, Any]) -> bool:
    """A GET that is neither a prefetch nor a machine's."""
    if environ.get("REQUEST_METHOD") != "GET":
        return False
    purpose = " ".join(environ.get(name, "") for name in _PURPOSE).lower()
    if "prefetch" in purpose or "prerender" in purpose or "preview" in purpose:
        return False
    return not is_machine(environ.get("HTTP_USER_AGENT", "")[:512])


def navigation_by_a_person(environ: dict[str, Any]) -> bool:
    """A person's browser opening a page: not a fetch in the background, an image or a frame."""
    dest = environ.get("HTTP_SEC_FETCH_DEST")
    if dest is None:
        navigated = "HTTP_UPGRADE_INSECURE_REQUESTS" in environ
        if not navigated or "text/html" not in environ.get("HTTP_ACCEPT", ""):
            return False
    elif dest != "document":
        return False
    return by_a_person(environ)


def landing(referer: str, host: str, pages: frozenset[str]) -> tuple[str, tuple[str, ...]] | None:
    """The counted page a pixel was loaded by (its ``Referer``, a URL of this site) and that
    URL's utm tags; None for any other page or site."""
    url = urlsplit(referer)
    if url.scheme not in ("http", "https") or url.netloc.lower() != host.lower():
        return None
    path = url.path.rstrip("/") or "/"
    if path not in pages:
        return None
    return path, campaign(url.query)


def campaign(query_string: str) -> tuple[str, ...]:
    """A landing URL's utm tags, each "" when absent."""
    if "utm_" not in query_string:
        return ("",) * len(UTM)
    query = parse_qs(query_string)
    return tuple(_tag(query.get(name, [""])[0]) for name in UTM)


def _tag(value: str) -> str:
    return " ".join(value.split())[:UTM_MAX]


def source(query_string: str, host: str) -> str:
    """Where the visitor came from, as the script reported it (``?r=document.referrer``)."""
    params = parse_qs(query_string, keep_blank_values=True)
    return referrer_site(params["r"][0] if "r" in params else None, host)


def referrer_site(referrer_url: str | None, host: str) -> str:
    """The site a referrer URL names: UNKNOWN without one (a pixel without the script),
    DIRECT when empty or not a web page's, INTERNAL for this site."""
    if referrer_url is None:
        return UNKNOWN
    try:
        referrer = urlsplit(referrer_url[:2048])
    except ValueError:  # "http://[::1": not a URL a browser sends
        return DIRECT
    name = referrer.hostname
    if referrer.scheme not in ("http", "https") or not name or len(name) > 253:  # a DNS name's most
        return DIRECT
    if referrer.netloc.lower() == host.lower():
        return INTERNAL
    return site_of(name)


@lru_cache(maxsize=4096)  # keyed by host name (at most 253 characters), never a whole URL
def site_of(hostname: str) -> str:
    """A referrer's site: a search engine's name, else its registrable domain."""
    host = hostname.lower().rstrip(".")
    domain = registrable(host) or host
    name, sub = domain.split(".", 1)[0], host.removesuffix(domain).rstrip(".")
    if name in SEARCH_ENGINES and sub in _SEARCH_HOSTS:
        return SEARCH_ENGINES[name]
    return domain[:64]


def is_visit(referrer: str, utm: tuple[str, ...]) -> bool:
    """A view that begins a visit: from outside the site, or landing on a campaign URL."""
    return any(utm) or referrer not in (INTERNAL, UNKNOWN)
