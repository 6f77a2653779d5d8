"""Registrable domains, by the Public Suffix List: one copy of the list in each process
(about 1.4 MB of memory), shared by triage (the sites a message links to) and the page
counts (the site a referrer belongs to).

"Registrable domain" means what browsers mean by it, so foo.github.io and bar.github.io
are two sites, docs.google.com and drive.google.com one. Unknown suffixes are not domains
("node.js", "e.g").
"""

from __future__ import annotations

from functools import lru_cache

from publicsuffixlist import PublicSuffixList

_PSL = PublicSuffixList(accept_unknown=False)


@lru_cache(maxsize=4096)
def registrable(hostname: str) -> str | None:
    """example.co.uk for www.shop.example.co.uk; None for what is not a domain."""
    try:
        return _PSL.privatesuffix(hostname.encode("idna").decode("ascii"))
    except (UnicodeError, ValueError):
        return _PSL.privatesuffix(hostname)
