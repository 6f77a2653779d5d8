"""What the signals read from a submission's text: links and their domains, words written
with look-alike letters, random-letter words, and the text folded for matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from site_app.domains import registrable as registrable  # signals and engine read it here

_URL = re.compile(r"(?i)(?:\bhttps?://|\bwww\.)[^\s<>\"'\[\]()]+")
_HOST = re.compile(r"(?i)^(?:https?://)?(?:[^@/?#]*@)?([^/?#:\\]+)")
_BARE_DOMAIN = re.compile(r"(?i)\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]+\b")
_CYRILLIC_GREEK = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")
_MIXED_WORD = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*[\u0370-\u03ff\u0400-\u052f])\w+")
_ASCII_WORD = re.compile(r"\b[A-Za-z]{8,}\b")
# A word: letters and digits together, as the model, the taught texts and `empty` read them
WORD = re.compile(r"[^\W_]+")
_VOWELS = frozenset("aeiouyAEIOUY")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})

# Cyrillic and Greek letters drawn like Latin ones: inside a word that also has Latin
# letters they are read as the Latin letter, so "Vіаgrа" meets the phrase "viagra".
_LOOKALIKE = str.maketrans(
    "аеорсухіјѕԁһкмтвнАВЕКМНОРСТХУІЈЅαεορτυνκχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhkmtbhABEKMHOPCTXYIJSaeoptuvkxABEZHIKMNOPTYX",
)


@lru_cache(maxsize=32)  # judge() asks for the same message's links several times
def links(text: str) -> tuple[str, ...]:
    return tuple(_URL.findall(text))


def host(url: str) -> str:
    match = _HOST.match(url)
    return match[1].lower().strip(".") if match else ""


def domains_in(text: str) -> list[str]:
    """Bare domain names ("cheap-seo.net") that the Public Suffix List knows."""
    return [d for d in _BARE_DOMAIN.findall(text) if registrable(d.lower())]


@lru_cache(maxsize=32)
def fold(text: str) -> str:
    """The form phrases are matched against: NFKC, case-folded, plain quotes, and
    look-alike letters inside mixed-script words read as Latin."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    if _CYRILLIC_GREEK.search(folded):
        folded = _MIXED_WORD.sub(lambda m: m[0].translate(_LOOKALIKE), folded)
    return folded


def lookalike_words(text: str) -> list[str]:
    """Words mixing Latin letters with Cyrillic or Greek ones: "Yоur" with a Cyrillic о."""
    if not _CYRILLIC_GREEK.search(text):
        return []
    return _MIXED_WORD.findall(unicodedata.normalize("NFKC", text))


def is_random(word: str, name: bool = False) -> bool:
    """Letters no language strings together: no vowels to speak of, or capitals
    scattered through the word ("XkGhtrVbnQ"); in a name, also a glued one
    ("CharlesSeaws", a bot's first name and a suffix; messages name "WhatsApp")."""
    if len(word) < 8 or not word.isascii() or not word.isalpha():
        return False
    vowels = sum(map(_VOWELS.__contains__, word))  # map: no Python frame per letter
    if vowels / len(word) < 0.2:
        return True
    inner_capitals = sum(map(str.isupper, word[1:]))
    if inner_capitals >= 3 and not word.isupper():
        return True
    # A capital after four or more small letters: "CharlesSeaws", not "McDonald".
    return name and inner_capitals == 1 and re.search(r"[a-z]{4,}[A-Z][a-z]", word) is not None


def random_words(text: str, name: bool = False) -> list[str]:
    return [w for w in _ASCII_WORD.findall(text) if is_random(w, name)]
