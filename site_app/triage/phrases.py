"""Finding the rules' phrases in a text in one pass over its words.

A Python alternation of hundreds of phrases tries each one at every character (4 ms a
message); here each word of the text is looked up in a dict of the phrases that start
with it, so the cost grows with the text, not with the lists ops keep adding to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from site_app.triage.literals import Gate, gates, meets

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
    # (regex, set, gates), each run on its own, and only on a text that holds what every
    # match holds (``literals``): an alternation of them all cost twice as much
    patterns: list[tuple[re.Pattern[str], str, tuple[Gate, ...]]] = field(default_factory=list)

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
        if len(words) == 1:
            self.single.setdefault(words[0], []).append((set_name, body))
            return
        second = words[1][:STEM_KEY] if len(words) == 2 and stem else words[1]
        self.by_two.setdefault((words[0], second), []).append((words, stem, set_name, body))

    def add_pattern(self, set_name: str, pattern: str) -> None:
        compiled = re.compile(pattern)
        self.patterns.append((compiled, set_name, gates(compiled)))

    def find(self, text: str) -> list[Found]:
        """Every phrase found, in the order they start; ``text`` is already folded."""
        words = _TOKEN.findall(text)
        found: list[Found] = []
        # Sets first (C speed); the words are walked only where something matched.
        if singles := self.single.keys() & set(words):
            for i, word in enumerate(words):
                if word in singles:
                    found += [Found(s, i, i + 1, body, True) for s, body in self.single[word]]
        prefixes = [w[:STEM_KEY] for w in words]
        following, stems = words[1:], prefixes[1:]
        pairs = {
            *zip(words, following, strict=False),
            *zip(words, stems, strict=False),
        } & self.by_two.keys()
        if pairs:
            for i, key in enumerate(zip(words, following, stems, strict=False)):
                if key[:2] in pairs or (key[0], key[2]) in pairs:
                    found += self._longer(words, i)
        if hit := set(prefixes) & self.stems.keys():
            for i, (word, prefix) in enumerate(zip(words, prefixes, strict=True)):
                if prefix in hit:
                    found += [
                        Found(name, i, i + 1, word, True)
                        for stem, name in self.stems[prefix]
                        if word.startswith(stem)
                    ]
        for piece, set_name in self.anywhere if CJK.search(text) else ():
            if (at := text.find(piece)) >= 0:
                found.append(Found(set_name, at, at + len(piece), piece, False))
        for pattern, set_name, its_gates in self.patterns:
            if not meets(text, its_gates):
                continue
            for m in pattern.finditer(text):
                found.append(Found(set_name, m.start(), m.end(), " ".join(m[0].split()), False))
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
