"""The guide as data: parsed once at start-up from ``site_app/content/guide.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

CONTENT_FILE = Path(__file__).resolve().parent.parent / "content" / "guide.toml"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


@dataclass(frozen=True)
class Section:
    number: int
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    asks: tuple[str, ...] = ()  # readers' questions this section answers (for the assistant)
    # Words that point a question here by its form, whatever its topic ("will": the future)
    cues: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """The section's first sentence: its table-of-contents line and meta description."""
        return _SENTENCE_END.split(self.paragraphs[0], maxsplit=1)[0]


@dataclass(frozen=True)
class Guide:
    title: str
    lede: str
    sections: tuple[Section, ...]
    takeaways: tuple[str, ...]
    phone: str
    email: str
    # Readers' questions the key takeaways and the contact details answer, and those
    # the guide leaves to the sales team: what the assistant matches questions against.
    takeaway_asks: tuple[str, ...] = ()
    contact_asks: tuple[str, ...] = ()
    handoff_asks: tuple[str, ...] = ()
    # Words readers use that the guide does not, each with the guide's words or phrases for it.
    related: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def phone_uri(self) -> str:
        return "tel:" + re.sub(r"[^+\d]", "", self.phone)

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)

    def neighbours(self, section: Section) -> tuple[Section | None, Section | None]:
        i = section.number - 1
        previous = self.sections[i - 1] if i > 0 else None
        following = self.sections[i + 1] if i + 1 < len(self.sections) else None
        return previous, following


def load_guide(path: Path = CONTENT_FILE) -> Guide:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    sections = tuple(
        Section(
            number=i,
            slug=raw["slug"],
            title=raw["title"],
            paragraphs=tuple(p.strip() for p in raw["body"].split("\n\n") if p.strip()),
            asks=tuple(raw.get("asks", ())),
            cues=tuple(raw.get("cues", ())),
        )
        for i, raw in enumerate(data["sections"], start=1)
    )
    slugs = [s.slug for s in sections]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"{path}: section slugs must be unique, got {slugs}")
    return Guide(
        title=data["title"],
        lede=data["lede"],
        sections=sections,
        takeaways=tuple(data["takeaways"]),
        phone=data["contact"]["phone"],
        email=data["contact"]["email"],
        takeaway_asks=tuple(data.get("takeaway_asks", ())),
        contact_asks=tuple(data["contact"].get("asks", ())),
        handoff_asks=tuple(data.get("handoff", {}).get("asks", ())),
        related=_related(path, data.get("related", {})),
    )


def _related(path: Path, table: dict[str, object]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``word = ["guide word", ...]``; a single string is one word or phrase, not letters."""
    pairs = []
    for word, terms in table.items():
        found = (terms,) if isinstance(terms, str) else terms
        if not isinstance(found, list | tuple) or not all(isinstance(t, str) for t in found):
            raise ValueError(f"{path}: related.{word} must be a list of words, got {terms!r}")
        pairs.append((word, tuple(t for t in found if t.strip())))
    return tuple(pairs)
