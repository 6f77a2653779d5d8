"""The rows the assistant answers from: one per section, the key takeaways, the contact
details and the questions the guide leaves to sales, each with its readers' phrasings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from site_app.guide.content import Guide

HANDOFF = "handoff"
CONTACT = "contact"
_PHRASE_END = re.compile(r"(?<=[.?!;:])\s+")


@dataclass(frozen=True)
class Passage:
    key: str  # a section's slug, "takeaways", "contact" or "handoff"
    title: str
    text: str
    url: str
    asks: str
    indexed: str | None = None  # what is searched, when not the text itself
    cues: tuple[str, ...] = ()  # words that point a question here by its form


def passages(guide: Guide) -> list[Passage]:
    rows = [
        Passage(
            s.slug,
            s.title,
            "\n\n".join(s.paragraphs),
            f"/guide/{s.slug}",
            " ".join(s.asks),
            cues=s.cues,
        )
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
            CONTACT,
            "Contact Glissando",
            f"Call {guide.phone}, write to {guide.email}, or send us a message.",
            "/contact",
            " ".join(guide.contact_asks),
            indexed="Call, write or send a message.",  # not "glissando.ai" (AI), nor "us" (use)
        )
    )
    rows.append(Passage(HANDOFF, "Ask our team", "", "/contact", " ".join(guide.handoff_asks)))
    return rows


def phrasings(passage: Passage) -> list[str]:
    """What the passage's meaning is compared by: its title, sentences and phrasings."""
    texts = [passage.title, passage.indexed or passage.text, passage.asks]
    return [p for text in texts for p in _PHRASE_END.split(text) if p.strip()]
