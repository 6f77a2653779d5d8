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
Each row's phrasings are also held as vectors (meaning.py); answer.py fuses the two.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from site_app.assistant.meaning import Meanings, shared_embeddings
from site_app.assistant.passages import CONTACT, HANDOFF, Passage, passages, phrasings
from site_app.assistant.rerank import Reranker
from site_app.assistant.terms import NamedTerms
from site_app.assistant.verify import Doubt
from site_app.assistant.words import Vocabulary, content_words
from site_app.guide.content import Guide

__all__ = ["HANDOFF", "GuideIndex", "Hit", "Passage", "passages"]

MAX_LENGTH = 300  # characters in a question; the page says so
MIN_COVERAGE = 0.5  # share of the question's content words the best row must contain
_MARK_OPEN, _MARK_CLOSE = "\x01", "\x02"
_COLUMN_WEIGHTS = (4.0, 1.0, 2.0)  # title, text, asks
_STEMMER = "'porter unicode61 remove_diacritics 2'"
_SELECT, _WHERE = "SELECT", "FROM passages WHERE passages MATCH ?"


@dataclass(frozen=True)
class Hit:
    passage: Passage
    words: frozenset[str]  # the question's content words this passage contains
    coverage: float  # their share of the question's content words
    score: float  # FTS5's BM25: lower is better
    marked: Markup  # the text, escaped, with the matching words in <mark>


class GuideIndex:
    def __init__(self, guide: Guide, *, doubting: bool = True, reranking: bool = True) -> None:
        self.passages = passages(guide)
        # One in-memory database per process; a lock lets gunicorn threads share it.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            f"CREATE VIRTUAL TABLE passages USING fts5(title, text, asks, tokenize={_STEMMER})"
        )
        self._db.executemany(
            "INSERT INTO passages (rowid, title, text, asks) VALUES (?, ?, ?, ?)",
            [(i, p.title, p.indexed or p.text, p.asks) for i, p in enumerate(self.passages)],
        )
        # Visitors' words the guide does not use, each with the guide's words for it,
        # stemmed the same way: "upsides" finds the entry for "upside".
        self._db.execute(
            f"CREATE VIRTUAL TABLE related USING fts5(word, terms UNINDEXED, tokenize={_STEMMER})"
        )
        self._db.executemany(
            "INSERT INTO related (word, terms) VALUES (?, ?)",
            [(word, "\n".join(terms)) for word, terms in guide.related],
        )
        # The guide's own words, not related ones: "baking" must not be read as "banking".
        self._known = Vocabulary(
            t for p in self.passages for t in (p.title, p.indexed or p.text, p.asks)
        )
        # Terms it only names in a list ("smart infrastructure"): what they mean is not here
        guide_rows = [p for p in self.passages if p.key not in (CONTACT, HANDOFF)]
        self.named = NamedTerms((p.text for p in guide_rows), (p.title for p in guide_rows))
        self.meanings = Meanings(shared_embeddings(), [phrasings(p) for p in self.passages])
        self._rows = {p.key: row for row, p in enumerate(self.passages)}
        # Whether the passage found answers what is asked (verify.py); off while fitting it
        self.doubt = Doubt(shared_embeddings()) if doubting else None
        # Which passage answers, as visitors' questions taught it (rerank.py); the same
        keys = [p.key for p in self.passages]
        self.reranker = Reranker(shared_embeddings(), keys) if reranking else None

    def row(self, passage: Passage) -> int:
        return self._rows[passage.key]

    def row_of(self, key: str) -> int:
        return self._rows[key]

    def plain(self, row: int) -> Hit:
        """A passage found by meaning alone: no word of the question to mark in it."""
        passage = self.passages[row]
        return Hit(passage, frozenset(), 0.0, 0.0, Markup(escape(passage.text)))

    def terms(self, word: str) -> list[str]:
        """What ``word`` is looked up as: itself, the guide's words related to it, or
        (when the guide has none of these) the guide's word it most likely misspells."""
        found = [word, *self._related(word)]
        if len(found) == 1 and not self._rows_with(found) and (spelt := self._known.respelt(word)):
            found += [spelt, *self._related(spelt)]
        return found

    def respelt(self, question: str) -> str:
        """The question with its misspelt words (none of the model's own words: "foundaton",
        "modles") in the guide's spelling, for the meaning: their tokens mean nothing."""
        embeddings = shared_embeddings()
        fixed = {
            w: spelt
            for w in content_words(question)
            if not embeddings.is_word(w) and (spelt := self._known.respelt(w))
        }
        if not fixed:
            return question
        return " ".join(fixed.get(w.casefold(), w) for w in question.split())

    def taught(self, word: str) -> bool:
        """Whether ``word`` is the guide's only through an editor's ``[related]`` entry."""
        return word not in self._known and bool(self._related(word))

    def _related(self, word: str) -> list[str]:
        rows = self._query("SELECT terms FROM related WHERE related MATCH ?", _exact(word))
        return [term for (terms,) in rows for term in terms.split("\n")]  # a phrase stays one

    def _rows_with(self, terms: list[str]) -> set[int]:
        return {row for (row,) in self._query(f"{_SELECT} rowid {_WHERE}", _any(terms))}

    def _query(self, sql: str, *args: object) -> list[Any]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # a word FTS5's tokenizer reads as nothing
            return []

    def search(self, question: str) -> list[Hit]:
        """Every passage that contains a content word, best first."""
        words = content_words(question)
        looked_up = {word: self.terms(word) for word in words}
        matched: dict[int, set[str]] = {}
        for word, terms in looked_up.items():
            for row in self._rows_with(terms):
                matched.setdefault(row, set()).add(word)
        if not matched:
            return []
        every_term = _any([t for terms in looked_up.values() for t in terms])
        scores = dict(
            self._query(
                f"{_SELECT} rowid, bm25(passages, ?, ?, ?) {_WHERE}",
                *_COLUMN_WEIGHTS,
                every_term,
            )
        )
        marked = self._query(
            f"{_SELECT} rowid, highlight(passages, 1, ?, ?) {_WHERE}",
            _MARK_OPEN,
            _MARK_CLOSE,
            every_term,
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


def _exact(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _any(terms: list[str]) -> str:
    return " OR ".join(_term(t) for t in dict.fromkeys(terms))


def _marked(text: str) -> Markup:
    return Markup(str(escape(text)).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>"))
