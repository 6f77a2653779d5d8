"""Follow-ups: after an answer, questions the guide answers in sections not yet shown.

Each section offers one of its readers' questions (its ``asks`` in the content
file): the first short enough to be a button. The sections nearest the one
just shown come first, in the guide's order, so "What is next?" follows the
challenges rather than the definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from site_app.guide.content import Guide, Section

MAX_FOLLOWUPS = 3
MAX_WORDS = 7  # longer questions make poor buttons
MAX_SEEN = 20  # section keys the panel may say it has shown
_QUESTION = re.compile(r"[^?]+\?")


@dataclass(frozen=True)
class Followup:
    question: str
    title: str  # the section that answers it


def _short_question(section: Section) -> str | None:
    for ask in section.asks:
        for found in _QUESTION.findall(ask):
            question = str(found).strip()
            if len(question.split()) <= MAX_WORDS:
                return question
    return None


def parse_seen(value: str | None) -> set[str]:
    """The section keys a conversation has shown, from the panel's ``seen=a,b``."""
    return set((value or "").split(",")[:MAX_SEEN]) - {""}


def followups(guide: Guide, shown: str | None, seen: set[str]) -> list[Followup]:
    """Up to three questions from sections neither ``shown`` now nor ``seen`` before."""
    sections = guide.sections
    start = next((i for i, s in enumerate(sections) if s.slug == shown), -1)
    # Nearest first: the next section, the previous one, the one after next...
    order = sorted(range(len(sections)), key=lambda i: (abs(i - start), i < start))
    found = []
    for i in order:
        section = sections[i]
        if section.slug == shown or section.slug in seen:
            continue
        question = _short_question(section)
        if question:
            found.append(Followup(question, section.title))
        if len(found) == MAX_FOLLOWUPS:
            break
    return found
