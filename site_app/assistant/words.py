"""From a visitor's question to the words worth looking up, and from an unknown word to
the guide's own spelling of it."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
MAX_WORDS = 16
# Words that carry no topic: asking, pointing and filler words, and their chat spellings
# ("wat", "u", "pls"). A question made only of these ("What is it?", "hi there") has
# nothing to match, so it is handed over. Rambling questions keep their topic words:
# "my boss wants me to actually understand GPT" is about GPT.
STOPWORDS = frozenset(
    """a about actually all also am an and any anything anyway are as at basically be been being
    between but by can could crazy d describe did do does doing don dont even everything explain few
    for from get give got guess had has have he hear heard hearing hello her here hey hi him his
    honestly how i if im in into is it its just keep kind know let like ll lot lots m many may
    maybe me mean might more most must my need needs nobody nothing now of ok okay on one ones
    or our own play please pls plz pretty quite r re read really right role s say she should
    show simple simply so some something somewhere sort stuff super sure t tell terms than thank
    thanks that the their them then there these they thing things think this those to too
    totally true u understand up ur us ve very wanna want wants was wat we were what whats when
    where which who whom whose will with wonder wondering would you your yours
    against because certain since though although whether ever yet else either neither nor
    """.split()
)
# How a visitor wants the answer put, not what it is about: "in plain English, what are
# the risks?" is about risks alone.
_MANNER = re.compile(
    r"\b(in|into) (plain|simple|layman'?s?|everyday|normal|basic) (english|words|terms|language)\b",
    re.IGNORECASE,
)
_MIN_SPELLED = 5  # shorter words are too easily mistaken for one another ("cost", "most")
_MAX_SPELLED = 24  # longer "words" are not misspelt English
_MIN_ROOT = 4  # letters two words of one root share, at least
_SPELLING_CUTOFF = 0.85  # difflib's similarity: "foundaton" / "foundation" is 0.95


def content_words(question: str) -> list[str]:
    """The question's words that can carry a topic, lower-cased, each once, in order."""
    words = (w.casefold() for w in _WORD.findall(_MANNER.sub(" ", question)))
    kept = (w for w in words if w not in STOPWORDS and len(w) > 1)
    return list(dict.fromkeys(kept))[:MAX_WORDS]


class Vocabulary:
    """Every word the index holds, lower-cased, by first letter: what a word the guide
    does not use is compared with (only with words of its own first letter, which keeps
    a question of sixteen unknown words within a few milliseconds)."""

    def __init__(self, texts: Iterable[str]) -> None:
        words = {w.casefold() for text in texts for w in _WORD.findall(text) if len(w) > 1}
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(words):
            self._by_initial.setdefault(word[0], []).append(word)

    def __contains__(self, word: str) -> bool:
        return word in self._by_initial.get(word[:1], ())

    def respelt(self, word: str) -> str | None:
        """The known word ``word`` most likely misspells ("foundaton"), if one is close
        enough, or else one it shares its root with where the stemmer keeps them apart
        ("safe" and "safety", "risky" and "risks", "innovative" and "innovation")."""
        if word in self or len(word) > _MAX_SPELLED:
            return None
        known = self._by_initial.get(word[:1], [])
        # Two letters swapped ("modles"): difflib scores these low, typists make them often
        swaps = (word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1))
        if len(word) >= _MIN_ROOT and (swapped := next((w for w in swaps if w in self), None)):
            return swapped
        if len(word) >= _MIN_SPELLED:
            close = difflib.get_close_matches(word, known, n=1, cutoff=_SPELLING_CUTOFF)
            if close:
                return close[0]
        kin = ((_shared(word, w), w) for w in known)
        return max(((n, w) for n, w in kin if _kin(word, w, n)), default=(0, None))[1]


def _shared(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


def _kin(word: str, other: str, shared: int) -> bool:
    """The two differ only in a short ending: "startups" and "starting" do not."""
    return shared >= _MIN_ROOT and len(word) - shared <= 2 and len(other) - shared <= 3
