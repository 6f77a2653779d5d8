"""Which terms the guide only names, and whether a question asks what one of them means.

The guide explains foundation models; in passing it lists what they power ("chatbots,
content generation, image recognition, language translation, and even drug discovery"),
what worries critics, where they are going ("personal assistants to smart
infrastructure systems") and what they span ("NLP, vision, and more"). Its ranker finds
the section that lists a term, but "what does smart infrastructure mean?" or "what's an
API?" asks for a definition that section never gives. So the terms are read from the
guide itself, as the items of its enumerations ("a, b, and c", "from a to b", "via a and
b"): a name it explains in brackets ("CLIP (for vision-language)") is not one, nor is any
word of a section's title. The same holds for any other term made of the guide's words
that it uses without explaining ("promote transfer learning", "downstream tasks"): the
guide defines only what its definitions' subjects name ("Foundation models are ...").
A question that only asks what such a term means is handed off; a question about the term
in the guide's own frame ("how do they help drug discovery?") is not a definition and is
answered as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from site_app.assistant.words import STOPWORDS

_WORD = re.compile(r"[^\W\d_][\w-]*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_DESCRIBED = re.compile(r"([\w-]+) \([^)]*\)")  # "BERT (for understanding context in text)"
_FROM_TO = re.compile(r"\bfrom ([\w -]+?) to ([\w -]+?)(?=[,.—;]|$)")
_VIA = re.compile(r"\bvia ([\w -]+?) and ([\w -]+?)(?=[,.]|$)")
_LIST_SPLIT = re.compile(r",\s*(?:and |or )?|\s+and\s+")
# The first item of a list is the end of a longer clause: "tasks across NLP" is "NLP".
_CLAUSE = re.compile(r"\b(?:across|of|on|in|for|to|like|include|including|as)\b")
_LEADS = frozenset({"even", "more", "broader", "also", "other"})  # "and even drug discovery"
MAX_TERM = 4  # words: a longer piece of a list is a clause, not a term
_FILLER = r"(?:so|ok|okay|and|but|hey|hi|hello|please|pls|plz|um|hmm|sorry)"
_ASKS_MEANING = re.compile(
    rf"^(?:{_FILLER}[ ,!]+)*"
    r"(?:what\s*(?:'s|’s|s| is| are)|wat is|wats|define|explain|meaning of|definition of"
    r"|what does|what do|what exactly is|what is meant by)\s+"
    r"(?:an?\s+|the (?:term|word|phrase)\s+)?['\"‘“]?"
    # the term, not a question about the guide's own subject ("what are the risks")
    r"(?P<term>(?!(?:the|they|them|it|this|these|those|their|you|your)\b)[^?!.,]{2,40}?)"
    r"['\"’”]?(?:\s+(?:mean|means|meaning|stand for|basics|in detail|exactly|actually"
    r"|pls|please|plz))?\s*[?.!]*$",
    re.IGNORECASE,
)
_NEUTRAL = frozenset({"ai"})  # "AI democratization": the term is what follows
# A definition: a sentence that opens on its subject and "is" or "are"
_DEFINES = re.compile(r"^(?P<subject>[\w -]{3,40}?) (?:is|are) ")


def _stem(word: str) -> str:
    word = word.casefold()
    for suffix, instead in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + instead
    return word


def _words(text: str) -> tuple[str, ...]:
    return tuple(
        w for w in map(_stem, _WORD.findall(text)) if w not in STOPWORDS and w not in _LEADS
    )


def _items(sentence: str) -> list[str]:
    """What a sentence lists."""
    text = _DESCRIBED.sub("", sentence)
    found = [item for m in (*_FROM_TO.finditer(text), *_VIA.finditer(text)) for item in m.groups()]
    tail = text.split(":")[-1].split("—")[-1]
    if tail.count(",") >= 2:
        pieces = _LIST_SPLIT.split(tail)
        found += [_CLAUSE.split(pieces[0])[-1], *pieces[1:]]
    return found


class NamedTerms:
    """The guide's enumerated terms, as word tuples ("smart", "infrastructure", "system"),
    and every other word it uses without defining it."""

    def __init__(self, texts: Iterable[str], titles: Iterable[str]) -> None:
        texts = list(texts)
        sentences = [s for text in texts for s in _SENTENCE.split(text)]
        # What the guide explains: its titles' words, the names it describes in brackets,
        # and the subjects of its definitions ("Foundation models are large-scale AI
        # models..."; "These models are..." makes "model" one too)
        explained = {w for title in titles for w in _words(title)}
        explained |= {w for s in sentences for m in _DESCRIBED.findall(s) for w in _words(m)}
        defined = (_DEFINES.match(s) for s in sentences)
        explained |= {w for m in defined if m for w in _words(m["subject"])}
        terms = set()
        for sentence in sentences:
            for item in _items(sentence):
                words = _words(item)
                if 1 <= len(words) <= MAX_TERM and not explained & set(words):
                    terms.add(words)
        self.terms = frozenset(terms)
        self.explained = frozenset(explained)
        self.vocabulary = frozenset(w for text in texts for w in _words(text))

    def asked_meaning(self, question: str) -> str | None:
        """The term, when ``question`` only asks what one the guide names means: one it
        lists, or one made of its words that it never explains ("transfer learning",
        "downstream tasks", "a tech stack")."""
        asked = _ASKS_MEANING.match(question.strip())
        if not asked:
            return None
        named = _words(asked["term"])
        words = tuple(w for w in named if w not in _NEUTRAL)
        if not words:
            return None
        for term in self.terms:
            if words[: len(term)] == term or term[: len(words)] == words:
                return asked["term"].strip()
        # Two words at least: one alone is as often no term at all ("what's next")
        unexplained = self.explained.isdisjoint(words) and self.vocabulary.issuperset(words)
        if len(named) >= 2 and unexplained:
            return asked["term"].strip()
        return None
