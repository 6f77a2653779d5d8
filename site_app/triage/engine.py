"""judge(): every signal's points added up, held from one threshold, certain spam from
a higher one when enough strong signals agree, or when it repeats what sales marked."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from site_app.triage import (
    phishing,  # noqa: F401  (its signal registers itself)
    text,
)
from site_app.triage.model import Memory, Outcome, Recalled, Submission, Verdict
from site_app.triage.phrases import distinct
from site_app.triage.rules import load_rules
from site_app.triage.ruleset import DEFAULT, Rules
from site_app.triage.signals import CHECKS, Facts, Hit
from site_app.triage.taught import NONE, Lessons
from site_app.triage.wording import phrase_hits  # also registers the wording signals

_active: Rules | None = None
_lessons: Lessons = NONE  # what this site's sales taught it, swapped whole by teach()
# An address is looked for from a word's start only ("(?<!\S)"): tried inside every
# word, "\S+@" read each word to its end once per letter.
_NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|(?<!\S)\S+@\S+|\d+|[^\w\s]|_")
# The same once a text has no link or address in it (most have none): one character
# class, which re scans far faster than six alternatives at every character.
_NOT_LETTERS = re.compile(r"[\W\d_]+")
# A campaign's copies greet and sign with each sender's own name ("Hi Anna", "Best, Ryan"):
# the text fingerprint leaves out an opening greeting and a closing sign-off with up to
# two words after it.
_GREETING = re.compile(r"^(?:hi|hello|hey|dear|hallo|bonjour|hola|ola|olá|привет)\s+\S+\s*")
_SIGN_OFF = re.compile(
    r"\s*\b(?:best regards|kind regards|best wishes|cheers|best|regards|thanks|thank you"
    r"|sincerely|warmly|gruß|grüße|cordialement|saludos|atenciosamente|abraços)(?:\s+\S+){0,2}$"
)
_SIGN_OFF_WORDS = 4  # "best regards" and two words after it
_FREE_DOTS = frozenset({"gmail.com", "googlemail.com"})  # dots in the local part mean nothing
MARKED, DELIVERED = "marked_spam", "delivered"


def configure(path: str | None = None) -> Rules:
    """Load the rules file (the shipped one by default) for every later judge() call."""
    global _active
    _active = load_rules(path or DEFAULT)
    return _active


def active_rules() -> Rules:
    return _active or configure()


def teach(lessons: Lessons) -> None:
    """Judge with these lessons from now on (one assignment: a judge() running meanwhile
    finishes with the ones it started with)."""
    global _lessons
    _lessons = lessons


def lessons() -> Lessons:
    return _lessons


def judge(submission: Submission, memory: Memory, rules: Rules | None = None) -> Verdict:
    rules = rules or active_rules()
    hosts, its_text = _hosts(submission), text_fingerprint(submission.message)
    words = len(_normalised(submission.message).split())
    marks = _marks(submission, rules, hosts, its_text, words)
    # Asked once, before the signals: on the outbox every question is a database round trip.
    recalled = memory.recall(marks, its_text)
    facts = _facts(submission, recalled, rules, its_text, words, hosts, _lessons)
    hits: list[Hit] = []
    for name, check in CHECKS.items():
        rule = rules.signals[name]
        if rule.weight and (hit := check(facts, rule)):
            hits.append(hit)
    hits += [hit for hit in phrase_hits(facts) if hit.points]
    if not any(hit.points > 0 for hit in hits):  # a relief with nothing to relieve is silent
        hits = []
    hits.sort(key=lambda hit: -hit.points)
    score = round(sum(hit.points for hit in hits), 3)
    strong = sum(hit.strong for hit in hits)
    outcome: Outcome = "lead"
    if score >= rules.spam and strong >= rules.strong_needed:
        outcome = "spam"
    elif score >= rules.held:
        outcome = "held"
    if facts.recalled.marked_spam:
        reason = "Repeats an inquiry sales marked as spam (its address, text or a link's site)"
        hits.insert(0, Hit(MARKED, rules.spam, reason, True))
        outcome, score = "spam", score + rules.spam
    elif facts.recalled.delivered and outcome != "lead":
        reason = "Repeats the text of an inquiry sales delivered from the digest on this site"
        hits.insert(0, Hit(DELIVERED, -score, reason, False))
        outcome, score = "lead", 0.0
    reasons, names = tuple(h.reason for h in hits), tuple(h.name for h in hits)
    return Verdict(outcome, score, reasons, names, marks, facts.text_fingerprint)


def text_fingerprint(message: str) -> str:
    """The message with what varies inside a campaign taken out (case, spacing,
    punctuation, numbers, links, addresses, look-alike letters, the greeting and the
    sign-off with the names in them), hashed."""
    body = _GREETING.sub("", _normalised(message))
    # A sign-off is at most four words from the end: only they are searched for one.
    cut = _tail_start(body, _SIGN_OFF_WORDS + 1)
    body = body[:cut] + _SIGN_OFF.sub("", body[cut:])
    return "text:" + hashlib.sha256(body.encode()).hexdigest()[:24]


def fingerprints(submission: Submission, rules: Rules | None = None) -> frozenset[str]:
    """What a later submission repeating this one shares with it: the address, the text
    (when it has ``marked_words`` words, so never a "Price?" or "Call me"), and the
    sites it links to, apart from shorteners and sites everyone links to
    (docs.google.com, linkedin.com...)."""
    its_text, words = (
        text_fingerprint(submission.message),
        len(_normalised(submission.message).split()),
    )
    return _marks(submission, rules or active_rules(), _hosts(submission), its_text, words)


def _marks(
    submission: Submission, rules: Rules, hosts: list[str], its_text: str, words: int
) -> frozenset[str]:
    marks = {f"email:{_address(submission.email)}"}
    if words >= rules.marked_words:
        marks.add(its_text)
    for hostname in hosts:
        site = text.registrable(hostname)
        if site and site not in rules.shared_domains and site not in rules.shorteners:
            marks.add(f"link:{site}")
    return frozenset(marks)


def _facts(
    submission: Submission,
    recalled: Recalled,
    rules: Rules,
    its_text: str,
    words: int,
    hosts: list[str],
    taught: Lessons,
) -> Facts:
    # Folded apart (nothing in folding reaches across a line break): the message's own
    # folding is cached, and the wording model and the fingerprint read it too.
    folded = f"{text.fold(submission.name)}\n{text.fold(submission.message)}"
    return Facts(
        submission=submission,
        recalled=recalled,
        rules=rules,
        lessons=taught,
        links=tuple(hosts),
        folded=folded,
        text_fingerprint=its_text,
        words=words,
        phrases=distinct(rules.phrases.find(folded)),
    )


def _hosts(submission: Submission) -> list[str]:
    found = [*text.links(submission.name), *text.links(submission.message)]
    hosts = [text.host(url) for url in found]
    hosts += [d.lower() for d in text.domains_in(submission.name)]
    return [h for h in hosts if h]


@lru_cache(maxsize=32)  # the fingerprints and the campaign signal both need it
def _normalised(message: str) -> str:
    folded = text.fold(message)
    linked = "@" in folded or "://" in folded or "www." in folded
    return " ".join((_NOT_WORDS if linked else _NOT_LETTERS).sub(" ", folded).split())


def _tail_start(spaced: str, words: int) -> int:
    """Where the last ``words`` words of a single-spaced text start."""
    at = len(spaced)
    for _ in range(words):
        at = spaced.rfind(" ", 0, at)
        if at < 0:
            return 0
    return at


def _address(email: str) -> str:
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _FREE_DOTS:
        local = local.replace(".", "")
    return f"{local}@{domain}"
