"""Links dressed as a brand: the site's name holds a brand's ("onedrive-sharedfiles.online",
"paypal.com.account-review.ru"), but the site is not the brand's own. Phishing lures
(a document to sign, a payout on hold, a shared remittance advice) link so; a person
who links a brand links its own site, which the rules list as shared."""

from __future__ import annotations

import re

from site_app.triage import text
from site_app.triage.ruleset import Signal
from site_app.triage.signals import Facts, signal

_PARTS = re.compile(r"[.-]")
MIN_INSIDE = 6  # letters a brand needs to be found inside a word ("googlebiz"), not "ups"


def _dressed(hostname: str, brands: tuple[str, ...], shared: frozenset[str]) -> str | None:
    site = text.registrable(hostname) or hostname
    if site in shared:
        return None
    name = site.split(".", 1)[0]
    if name in brands:
        return None  # the brand's own site ("docusign.net", "zoom.us", "appleid.apple.com")
    parts = _PARTS.split(hostname)
    for brand in brands:  # sorted when read: every host gives the same reason
        inside = len(brand) >= MIN_INSIDE and any(brand in part for part in parts)
        if brand in parts or inside:
            return brand
    return None


@signal
def brand_link(facts: Facts, rule: Signal) -> str | None:
    rules = facts.rules
    for hostname in facts.links:
        if brand := _dressed(hostname, rules.brands, rules.shared_domains):
            return f"Links to a site dressed as {brand}'s that is not {brand}'s own ({hostname})"
    return None
