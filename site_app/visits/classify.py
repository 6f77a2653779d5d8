"""Which requests are a person's view, and what a view tells: its page, where the visitor
came from (the referrer's site, search engines by name) and the landing URL's campaign.

Machines are told apart by their user agent against CrawlerDetect's list (the
``crawlerdetect`` package, kept up to date upstream): crawlers, link previews, monitors,
``curl``, ``python-requests``, headless browsers. Prefetch and prerender requests say so in
``Sec-Purpose`` (Chromium), ``Purpose`` or ``X-Moz`` (older browsers).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawlerdetect import CrawlerDetect
from publicsuffixlist import PublicSuffixList

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
_PSL: PublicSuffixList | None = None


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


def landing(referer: str, host: str, pages: frozenset[str]) -> tuple[str, tuple[str, ...]] | None:
    """The counted page a pixel was loaded by (its ``Referer``, a URL of this site) and that
    URL's utm tags; None for any other page or site."""
    url = urlsplit(referer)
    if url.scheme not in ("http", "https") or url.netloc.lower() != host.lower():
        return None
    path = url.path.rstrip("/") or "/"
    if path not in pages:
        return None
    query = parse_qs(url.query)
    return path, tuple(_tag(query.get(name, [""])[0]) for name in UTM)


def _tag(value: str) -> str:
    return " ".join(value.split())[:UTM_MAX]


def source(query_string: str, host: str) -> str:
    """Where the visitor came from, as the script reported it (``?r=document.referrer``)."""
    params = parse_qs(query_string, keep_blank_values=True)
    if "r" not in params:
        return UNKNOWN
    referrer = urlsplit(params["r"][0][:2048])
    if referrer.scheme not in ("http", "https") or not referrer.hostname:
        return DIRECT
    if referrer.netloc.lower() == host.lower():
        return INTERNAL
    return site_of(referrer.hostname)


def site_of(hostname: str) -> str:
    """A referrer's site: a search engine's name, else its registrable domain."""
    global _PSL
    if _PSL is None:
        _PSL = PublicSuffixList()
    host = hostname.lower().rstrip(".")
    domain = _PSL.privatesuffix(host) or host
    name, sub = domain.split(".", 1)[0], host.removesuffix(domain).rstrip(".")
    if name in SEARCH_ENGINES and sub in _SEARCH_HOSTS:
        return SEARCH_ENGINES[name]
    return domain[:64]


def is_visit(referrer: str, utm: tuple[str, ...]) -> bool:
    """A view that begins a visit: from outside the site, or landing on a campaign URL."""
    return any(utm) or referrer not in (INTERNAL, UNKNOWN)
