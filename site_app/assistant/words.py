"""From a visitor's question to the words worth looking up, and from an unknown word to
the guide's own spelling of it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
MAX_WORDS = 16
# Words that carry no topic: asking, pointing and filler words, and their chat spellings
# ("wat", "u", "pls"). A question made only of these ("What is it?", "hi there") has
# nothing to match, so it is handed over. Rambling questions keep their topic words:
# "my boss wants me to actually understand GPT" is about GPT.
STOPWORDS = frozenset(
    """a about actually all also am an and any anyway are as at basically be been being between but
    by can could d did do does doing don dont everything for from get give got had has have he
    hear heard hearing her here hey hi hello him his how i if im in into is it its just keep
    know kind ll let like lot lots m many may maybe me mean might more most must my need needs
    nobody nothing of ok okay on one ones or our please pls plz r re really s say she should
    show simple simply so some sort t tell terms thanks thank than that the their them then
    there these they thing things think this those to too u understand up ur us ve very wanna
    want wants was wat we were what whats when where which who whom whose will with wonder
    wondering would you your yours explain describe
    """.split()
)
_MIN_SPELLED = 5  # shorter words are too easily mistaken for one another ("cost", "most")
_SPELLING_CUTOFF = 0.85  # difflib's similarity: "foundaton" / "foundation" is 0.95


def content_words(question: str) -> list[str]:
    """The question's words that can carry a topic, lower-cased, each once, in order."""
    words = (w.casefold() for w in _WORD.findall(question))
    kept = (w for w in words if w not in STOPWORDS and len(w) > 1)
    return list(dict.fromkeys(kept))[:MAX_WORDS]


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every word of ``texts``, lower-cased: what a misspelt word is compared with."""
    return frozenset(w.casefold() for text in texts for w in _WORD.findall(text) if len(w) > 1)


def respelt(word: str, known: frozenset[str]) -> str | None:
    """The known word ``word`` most likely misspells ("foundaton"), if one is close enough."""
    if len(word) < _MIN_SPELLED or word in known:
        return None
    close = difflib.get_close_matches(word, known, n=1, cutoff=_SPELLING_CUTOFF)
    return close[0] if close else None
