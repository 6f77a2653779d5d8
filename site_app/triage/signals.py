"""The signals: each a small named unit that reads the facts of one submission and, when
it fires, says how much it weighs and why, in words sales read. Weights and limits come
from the rules file; ``engine.judge`` adds them up. This module holds the signals of the
form, the links and the sender; ``wording`` those of what the message says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from site_app.triage import disposable as disposable_domains
from site_app.triage import text
from site_app.triage.model import Recalled, Submission
from site_app.triage.ruleset import Rules, Signal
from site_app.triage.taught import Lessons


@dataclass(frozen=True)
class Hit:
    name: str
    points: float
    reason: str
    strong: bool


@dataclass(frozen=True)
class Facts:
    """What every signal may read, worked out once per submission."""

    submission: Submission
    recalled: Recalled  # the site's memory, asked once before the signals run
    rules: Rules
    lessons: Lessons  # what this site's sales taught it
    links: tuple[str, ...]  # the hosts of the links in the name and the message
    folded: str  # the message, folded for phrase matching
    text_fingerprint: str
    words: int
    phrases: dict[str, list[str]]  # each phrase set's distinct phrases found


# A check returns None, or why it fired (with its points when they are not its weight).
Check = Callable[[Facts, Signal], str | tuple[str, float] | None]
CHECKS: dict[str, Callable[[Facts, Signal], Hit | None]] = {}


def signal(check: Check) -> Check:
    name = check.__name__

    def run(facts: Facts, rule: Signal) -> Hit | None:
        found = check(facts, rule)
        if found is None:
            return None
        reason, points = found if isinstance(found, tuple) else (found, rule.weight)
        return Hit(name, points, reason, rule.strong)

    CHECKS[name] = run
    return check


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@signal
def honeypot(facts: Facts, rule: Signal) -> str | None:
    if not facts.submission.honeypot:
        return None
    return "The hidden website field came back filled in (bots do this; so can autofill)"


@signal
def fast_fill(facts: Facts, rule: Signal) -> tuple[str, float] | None:
    seconds = facts.submission.fill_seconds
    if not 0 <= seconds < rule.params["seconds"]:
        return None
    if facts.submission.confirmed:  # a person who read the notice and sent it again
        return f"Sent {seconds:.1f} s after the form loaded, confirmed after the notice", (
            rule.params["weight_confirmed"]
        )
    return f"Sent {seconds:.1f} s after the form loaded", rule.weight


@signal
def links(facts: Facts, rule: Signal) -> str | None:
    count = len(facts.links)
    return _plural(count, "link") if count >= rule.params["many"] else None


@signal
def shortener(facts: Facts, rule: Signal) -> str | None:
    short = [h for h in facts.links if _registrable(h) in facts.rules.shorteners]
    if not short:
        return None
    total, hosts = len(facts.links), ", ".join(sorted(set(short)))
    if total == 1:
        return f"1 link, through a URL shortener ({hosts})"
    which = "one" if len(short) == 1 else ("all" if len(short) == total else str(len(short)))
    return f"{total} links, {which} through a URL shortener ({hosts})"


@signal
def markup(facts: Facts, rule: Signal) -> str | None:
    kinds = [
        label
        for label, found in (
            ("forum code [url=…]", "[url" in facts.folded or "[link" in facts.folded),
            ("HTML <a href>", "<a " in facts.folded and "href" in facts.folded),
        )
        if found
    ]
    return f"Links written as {' and '.join(kinds)}" if kinds else None


@signal
def name_link(facts: Facts, rule: Signal) -> str | None:
    name = facts.submission.name
    found = text.links(name) or text.domains_in(name)
    return f"The name is a web address ({found[0]})" if found else None


@signal
def name_random(facts: Facts, rule: Signal) -> str | None:
    odd = text.random_words(facts.submission.name, name=True)
    return f"The name looks machine-made ({odd[0]})" if odd else None


@signal
def gibberish(facts: Facts, rule: Signal) -> str | None:
    odd = text.random_words(_without_links(facts.submission.message))
    if len(odd) < rule.params["min_words"]:
        return None
    return f"{_plural(len(odd), 'random-letter word')} in the message ({odd[0]})"


@signal
def lookalike(facts: Facts, rule: Signal) -> str | None:
    s = facts.submission
    words = text.lookalike_words(f"{s.name} {_without_links(s.message)}")
    if len(words) < rule.params["min_words"]:
        return None
    return (
        f"{_plural(len(words), 'word')} written with Cyrillic or Greek look-alike letters "
        f"(e.g. {words[0]!r})"
    )


@signal
def campaign(facts: Facts, rule: Signal) -> str | None:
    if facts.words < rule.params["min_words"]:
        return None  # "Price?" from many people is not a campaign
    others = facts.recalled.campaign_clients
    if others < rule.params["min_clients"]:
        return None
    return f"The same text came from {others} other senders in the last day"


@signal
def disposable(facts: Facts, rule: Signal) -> str | None:
    domain = _email_domain(facts.submission)
    if disposable_domains.listed(domain):
        return f"A disposable address ({domain})"
    return None


@signal
def foreign_link(facts: Facts, rule: Signal) -> str | None:
    own = _registrable(_email_domain(facts.submission))
    skip = facts.rules.shared_domains | facts.rules.shorteners | {own}
    foreign = sorted({site for h in facts.links if (site := _registrable(h)) not in skip})
    if not foreign:
        return None
    return f"Links to a site that is not the sender's own ({', '.join(foreign[:3])})"


@signal
def risky_tld(facts: Facts, rule: Signal) -> str | None:
    hosts = [_email_domain(facts.submission), *facts.links]
    risky = sorted({h for h in hosts if h.rpartition(".")[2] in facts.rules.risky_tlds})
    if not risky:
        return None
    return f"An address or link under a much-abused top-level domain ({', '.join(risky[:3])})"


@signal
def link_only(facts: Facts, rule: Signal) -> str | None:
    own = _registrable(_email_domain(facts.submission))
    shared = facts.rules.shared_domains | {own}
    if not any(_registrable(h) not in shared for h in facts.links):
        return None
    if len(_without_links(facts.submission.message).split()) > rule.params["max_words"]:
        return None
    return "A few words around a link to someone else's site"


def _without_links(message: str) -> str:
    for link in text.links(message):
        message = message.replace(link, " ")
    return message


def _email_domain(submission: Submission) -> str:
    return submission.email.rpartition("@")[2].lower().strip()


def _registrable(hostname: str) -> str:
    return text.registrable(hostname) or hostname
