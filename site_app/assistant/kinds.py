"""What kind of answer a question asks for, when it is a kind the guide never holds.

The guide explains, lists and weighs; it gives no figures, dates, names of people or
firms, steps to follow, expansions of acronyms or product details (datasets, versions,
licences). "Who built CLIP?" names CLIP, which section 1 mentions, and a ranker by words
or by meaning sends it there; asking *who* is what tells us the guide cannot answer it.
So a question asking for one of these kinds is handed to the team, with the closest
sections offered beside "Ask our team".
"""

from __future__ import annotations

import re

_KINDS: dict[str, tuple[str, ...]] = {
    "names of people or firms": (
        r"\bwho (built|build|created|create|made|invented|founded|coined|developed|"
        r"designed|released|wrote|owns|trained|came up|is the|was the|are the|runs|leads)\b",
        r"\b(which|what) (company|companies|firm|lab|team|university|organi[sz]ation|"
        r"person|people|researchers?|scientists?)\b",
        r"\b(ceo|founder|inventor|author)s?\b",
    ),
    "dates": (
        r"\b(what|which) year\b",
        r"\bwhen (was|were|did|had)\b",
        r"\bhow old\b",
        r"\brelease date\b",
    ),
    "figures": (
        r"\bhow (many|big|large|long|heavy|accurate|fast)\b",
        r"\bhow much (did|does|do|will|would) [\w' ]{1,30}cost\b",
        r"\b(context (length|window)|vocabulary size|tokens)\b",
        r"\bhow much (data|text|memory|storage|ram|disk|time|money|does it cost|do they cost)\b",
        r"\b(parameters?|gigabytes?|terabytes?|accuracy|benchmarks?|percentage)\b",
        r"\bsize of\b",
        r"\bper (month|year|hour|day|token|request|user|seat)\b",
    ),
    "expansions of names": (
        r"\bstands? for\b",
        r"\bacronym\b",
        r"\babbreviat",
        r"\bshort for\b",
    ),
    "steps to follow": (
        r"\bhow (do|can|should|would) (i|we|you) (install|set ?up|download|deploy|fine-?tune|"
        r"train|run|host|configure)\b",
        r"\bstep[- ]by[- ]step\b",
        r"\bsteps (to|for) (install|set|run|use|using|build|train|fine|deploy|get|download)",
        r"\binstall(ing|ation)?\b",
        r"\btutorial\b",
    ),
    "product details": (
        r"\b(which|what) (dataset|data ?sets?|corpus|images|texts|licen[cs]e|version|"
        r"programming language|architecture|hardware|gpus?)\b",
        r"\b(latest|newest|current) version\b",
        r"\bweights\b",
        r"\bwritten in\b",
        r"\btrained on (which|what)\b",
        r"\bwhere (is|are) .{1,40} (located|hosted|stored|headquartered)\b",
    ),
}
# Not the guide's at all: what Glissando itself makes, offers or uses is for the team.
_KINDS["details of our own services"] = (
    r"\b(do|can|could|would|will) (you|glissando) (make|build|develop|create|offer|integrate|"
    r"provide|sell|support)\b",
    r"\bdo (you|glissando) do\b",
    r"\b(does|do) glissando\b",
    r"\bglissando (make|build|offer|use|sell)s?\b",
    r"\bwhere (is|are) (glissando|you) (based|located)\b",
)
_PATTERNS = [(kind, re.compile(p, re.IGNORECASE)) for kind, ps in _KINDS.items() for p in ps]


def asked_for(question: str) -> str | None:
    """The kind of answer ``question`` asks for, if the guide never holds that kind."""
    return next((kind for kind, pattern in _PATTERNS if pattern.search(question)), None)
