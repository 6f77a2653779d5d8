"""Finding the rules' phrases in a text in one pass over its words.

A Python alternation of hundreds of phrases tries each one at every character (4 ms a
message); here each word of the text is looked up in a dict of the phrases that start
with it, so the cost grows with the text, not with the lists ops keep adding to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\w+|[^\w\s-]")  # a hyphen counts as a space: "decision-makers"
CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff]")
STEM_KEY = 3  # a stem is looked up by its first three letters
Entry = tuple[tuple[str, ...], bool, str, str]  # words, last one a stem, set, as written


@dataclass(frozen=True)
class Found:
    set_name: str
    start: int  # in words for phrases, in characters for CJK phrases and patterns
    end: int
    text: str
    in_words: bool


@dataclass
class PhraseIndex:
    single: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # word -> sets
    # the first two words -> the phrases starting with them; two, not one: "i", "we" and
    # "your" start dozens of phrases each
    by_two: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    stems: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # one-word stems
    anywhere: list[tuple[str, str]] = field(default_factory=list)  # CJK: (phrase, set)
    patterns: list[tuple[str, str]] = field(default_factory=list)  # (regex, set)
    starts: set[str] = field(default_factory=set)  # words any phrase starts with
    _combined: re.Pattern[str] | None = None
    _group_sets: dict[int, str] = field(default_factory=dict)

    def add(self, set_name: str, phrase: str) -> None:
        """A phrase as ops write it: whole words, any spacing between them, a trailing *
        for any ending ("продвижени*"); CJK phrases, having no spaces, match anywhere."""
        written = " ".join(phrase.casefold().split())
        stem = written.endswith("*")
        body = written.rstrip("*").strip()
        if CJK.search(body):
            self.anywhere.append((body, set_name))
            return
        words = tuple(_TOKEN.findall(body))
        if len(words) == 1 and stem:
            self.stems.setdefault(words[0][:STEM_KEY], []).append((words[0], set_name))
            return
        self.starts.add(words[0])
        if len(words) == 1:
            self.single.setdefault(words[0], []).append((set_name, body))
            return
        second = words[1][:STEM_KEY] if len(words) == 2 and stem else words[1]
        self.by_two.setdefault((words[0], second), []).append((words, stem, set_name, body))

    def add_pattern(self, set_name: str, pattern: str) -> None:
        """A regular expression, checked by the caller; all are run as one."""
        self.patterns.append((pattern, set_name))
        parts, number = [], 0
        for regex, name in self.patterns:
            number += 1
            self._group_sets[number] = name
            parts.append(f"({regex})")
            number += re.compile(regex).groups  # its own groups come after its wrapper
        self._combined = re.compile("|".join(parts))

    def find(self, text: str) -> list[Found]:
        """Every phrase found, in the order they start; ``text`` is already folded."""
        words = _TOKEN.findall(text)
        found: list[Found] = []
        starts, stems, count = self.starts, self.stems, len(words)
        for i, word in enumerate(words):
            if word in starts:
                found += [Found(s, i, i + 1, body, True) for s, body in self.single.get(word, ())]
                if i + 1 < count:
                    found += self._longer(words, i)
            if (key := word[:STEM_KEY]) in stems:
                found += [
                    Found(s, i, i + 1, word, True) for p, s in stems[key] if word.startswith(p)
                ]
        for piece, set_name in self.anywhere:
            if (at := text.find(piece)) >= 0:
                found.append(Found(set_name, at, at + len(piece), piece, False))
        if self._combined is not None:
            for m in self._combined.finditer(text):
                name = self._group_sets[m.lastindex or 0]
                found.append(Found(name, m.start(), m.end(), " ".join(m[0].split()), False))
        found.sort(key=lambda f: (f.in_words, f.start, -f.end))
        return found

    def _longer(self, words: list[str], i: int) -> list[Found]:
        following = words[i + 1]
        exact = self.by_two.get((words[i], following), ())
        stemmed = self.by_two.get((words[i], following[:STEM_KEY]), ())
        found = []
        for phrase, stem, set_name, body in (*exact, *stemmed):
            end = i + len(phrase)
            if end <= len(words) and _same(words[i:end], phrase, stem):
                found.append(Found(set_name, i, end, body, True))
        return found


def _same(words: list[str], phrase: tuple[str, ...], stem: bool) -> bool:
    if not stem:
        return tuple(words) == phrase
    return tuple(words[:-1]) == phrase[:-1] and words[-1].startswith(phrase[-1])


def distinct(found: list[Found]) -> dict[str, list[str]]:
    """Each set's distinct phrases, a phrase inside a longer one of its set not counted
    again ("noticed your website" inside "i noticed your website")."""
    phrases: dict[str, list[str]] = {}
    ends: dict[tuple[str, bool], int] = {}
    for hit in found:
        where = (hit.set_name, hit.in_words)
        if hit.start < ends.get(where, -1):
            continue
        ends[where] = hit.end
        listed = phrases.setdefault(hit.set_name, [])
        if hit.text not in listed:
            listed.append(hit.text)
    return phrases
