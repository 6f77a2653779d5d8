"""The guide as a search index: SQLite FTS5 in memory, built once from the guide.

Each section, the key takeaways, the contact details and the questions the
guide leaves to sales are one row each: title, text, and the readers'
questions ("asks") the content file lists for it. FTS5 stems (Porter),
matches and ranks (BM25 with column weights) and marks the matching words.

With nine short rows, BM25's IDF says little: a word in half the rows scores
nothing, and a score is not comparable across questions. So whether the guide
answers at all is decided on *coverage*: the share of the question's content
words that the best row contains. A question most of whose words the guide
never uses ("How do I cook pasta?"), or that the sales row covers best
("What are your prices?"), gets no answer but a hand-off to the team.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from site_app.guide.content import Guide

MAX_LENGTH = 300  # characters in a question; the page says so
MIN_COVERAGE = 0.5  # share of the question's content words the best row must contain
HANDOFF = "handoff"
_WORD = re.compile(r"\w+")
_MARK_OPEN, _MARK_CLOSE = "\x01", "\x02"
_COLUMN_WEIGHTS = (4.0, 1.0, 2.0)  # title, text, asks
_SELECT, _WHERE = "SELECT", "FROM passages WHERE passages MATCH ?"
# Words that carry no topic: asking, pointing and filler words. A question made
# only of these ("What is it?") has nothing to match, so it is handed over.
STOPWORDS = frozenset(
    """a about all also am an and any are as at be been being but by can could d did do
    does doing don for from get give had has have he her here him his how i if in into is it
    its just know ll let like m many me mean might more most must my of on one or our please re s
    say she should show so some t tell than that the their them then there these they thing
    things this those to too up us ve very want was we were what whats when where which who
    whom whose will with would you your yours explain describe""".split()
)


@dataclass(frozen=True)
class Passage:
    key: str  # a section's slug, "takeaways", "contact" or "handoff"
    title: str
    text: str
    url: str
    asks: str
    indexed: str | None = None  # what is searched, when not the text itself


@dataclass(frozen=True)
class Hit:
    passage: Passage
    words: frozenset[str]  # the question's content words this passage contains
    coverage: float  # their share of the question's content words
    score: float  # FTS5's BM25: lower is better
    marked: Markup  # the text, escaped, with the matching words in <mark>


def passages(guide: Guide) -> list[Passage]:
    rows = [
        Passage(s.slug, s.title, "\n\n".join(s.paragraphs), f"/guide/{s.slug}", " ".join(s.asks))
        for s in guide.sections
    ]
    rows.append(
        Passage(
            "takeaways",
            "Key Takeaways",
            "\n".join(guide.takeaways),
            "/",
            " ".join(guide.takeaway_asks),
        )
    )
    rows.append(
        Passage(
            "contact",
            "Contact Glissando",
            f"Call {guide.phone}, write to {guide.email}, or send us a message.",
            "/contact",
            " ".join(guide.contact_asks),
            indexed="Call, write or send a message.",  # not "glissando.ai" (AI), nor "us" (use)
        )
    )
    rows.append(Passage(HANDOFF, "Ask our team", "", "/contact", " ".join(guide.handoff_asks)))
    return rows


def content_words(question: str) -> list[str]:
    """The question's words that can carry a topic, lower-cased, each once, in order."""
    words = (w.casefold() for w in _WORD.findall(question))
    return list(dict.fromkeys(w for w in words if w not in STOPWORDS and len(w) > 1))[:16]


class GuideIndex:
    def __init__(self, guide: Guide) -> None:
        self.passages = passages(guide)
        # One in-memory database per process; a lock lets gunicorn threads share it.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE VIRTUAL TABLE passages USING fts5("
            "title, text, asks, tokenize='porter unicode61 remove_diacritics 2')"
        )
        self._db.executemany(
            "INSERT INTO passages (rowid, title, text, asks) VALUES (?, ?, ?, ?)",
            [(i, p.title, p.indexed or p.text, p.asks) for i, p in enumerate(self.passages)],
        )

    def _rows_with(self, word: str) -> set[int]:
        return {row for (row,) in self._query(f"{_SELECT} rowid {_WHERE}", _term(word))}

    def _query(self, sql: str, *args: object) -> list[Any]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # a word FTS5's tokenizer reads as nothing
            return []

    def search(self, question: str) -> list[Hit]:
        """Every passage that contains a content word, best first."""
        words = content_words(question)
        matched: dict[int, set[str]] = {}
        for word in words:
            for row in self._rows_with(word):
                matched.setdefault(row, set()).add(word)
        if not matched:
            return []
        scores = dict(
            self._query(
                f"{_SELECT} rowid, bm25(passages, ?, ?, ?) {_WHERE}",
                *_COLUMN_WEIGHTS,
                " OR ".join(_term(w) for w in words),
            )
        )
        marked = self._query(
            f"{_SELECT} rowid, highlight(passages, 1, ?, ?) {_WHERE}",
            _MARK_OPEN,
            _MARK_CLOSE,
            " OR ".join(_term(w) for w in words),
        )
        hits = [
            Hit(
                self.passages[row],
                frozenset(matched[row]),
                len(matched[row]) / len(words),
                scores.get(row, 0.0),
                _marked(text),
            )
            for row, text in marked
        ]
        return sorted(hits, key=lambda h: (-h.coverage, h.score))


def _term(word: str) -> str:
    """One word as an FTS5 string, never as syntax; longer words also match as a prefix
    of their stem ("environment" finds "environmental", which Porter stems apart)."""
    return f'"{word}"*' if len(word) >= 5 else f'"{word}"'


def _marked(text: str) -> Markup:
    return Markup(str(escape(text)).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>"))
