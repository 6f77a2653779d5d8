"""Question forms that point to one passage whatever their words.

Visitors ask for a definition, a summary or a use case in words no passage holds: "ok so
what actually is one of these", "main points in a few bullets?", "could it look at photos
of my stock and tell what's in them". Neither ranking finds these: their topic is in
their form, not their words. A form found here is a third ranking (besides FTS5's and
the meaning's) and makes its passage answerable; the words still decide when they lead
clearly ("in plain English, what are the risks?" is about risks).

Measured on the question parts: docs/design.md, "Question forms".
"""

from __future__ import annotations

import re

_PRONOUN = r"(it|they|them|these|those|this|that|one|one of (these|them|those))"
# "could it ...", "can one of these ...", "would a foundation model ...": what the
# models do, not a service asked of Glissando ("can *you* build ...", the sales row).
_SUBJECT = (
    r"(it|they|one|one of (these|them|those)( models)?|these( models| things)?|this( tech)?|"
    r"an? (foundation )?model|foundation models?|an ai|ai)"
)
_TASK = (
    r"(help|write|draft|answer|reply|read|look|tell|sort|translate|caption|tag|spot|"
    r"recogni[sz]e|detect|identify|handle|power|run|create|generate|make|design|summari[sz]e|"
    r"chat|talk|respond|find|analy[sz]e|check|classify|describe|produce|come up|turn|understand)"
)

_FORMS: dict[str, tuple[str, ...]] = {
    "what-are-foundation-models": (
        # "what is it?", "so what actually are these things", "what even is one of these"
        rf"\bwhat (even |actually |exactly )?(is|are|'s|s) {_PRONOUN}( even| actually| exactly|"
        r" foundation| things?| thingies| models?| about)*\W*$",
        r"\bwhat (kind|sort|type) of (a )?(thing|things|technology|tech|software|beast)\b",
        r"\bwhat does (it|that|this|the (term|word|phrase|name)|foundation models?)( even| actually"
        r"| really)? mean\W*$",
        # "a couple examples of these models": section 1 names GPT, CLIP and BERT
        r"\b(examples?|instances) of (these|those|such|the|some|foundation|well-known|famous)"
        r"( \w+)? models\b",
        r"\b(examples?|instances) of (these|them|those)\b",
        r"\bname (a few|some|a couple|any)\b",
        # "does GPT count as one of these?", "what makes a model count as one?"
        r"\b(count|counts|qualify|qualifies) as (one|a foundation model)\b",
        r"\bwhat('?s| is) (this|that) [\w' \"-]{1,30} (thing|stuff)\b",
        r"\b(general|generic) (type|kind|class|category|sort) of\b",
        r"\b(describe|explain) (these|them|it|this)( models| things)?( to\b| in (a|one|simple)\b|"
        r" like\b|\W*$)",
        r"\b(definition|define|defined)\b",
        r"\bin (plain|simple|layman'?s?|everyday|normal|basic) (english|words|terms|language)\b",
        r"\b(eli5|layman|laymen|total beginner|complete beginner|newbie|noob)\b",
        r"\bexplain (it|this|them|these)( to me)? like\b",
    ),
    "why-do-they-matter": (
        r"\bwhy (should|would|do|does|must) (i|we|you|anyone|anybody|people|companies|"
        r"businesses|a [\w ]{1,30}) (care|bother|pay attention)\b",
        r"\bwhat'?s the (big )?deal\b",
        r"\bwhy (is|are) every(one|body) (talking|excited|obsessed|going on)\b",
        r"\bwhy (all )?the (hype|fuss|buzz|excitement)\b",
        r"\bwhy (should|would|does|do|will) (any of )?(this|it|that|these|they|all this) "
        r"(matter|be important)\b",
        r"\b(turning point|game[- ]changer|just (hype|marketing)|over-?hyped|is that marketing)\b",
    ),
    # What they make easier for developers: access, reuse, no training of one's own
    "benefits-of-foundation-models": (
        r"\b(get|gain|have|give) (\w+ )?access\b",
        r"\bwithout (training|building) (anything|my own|our own|one|a model|it)\b",
        r"\bcarry over\b",
        r"\bplug (one|it|them|these)( of these)? into\b",
    ),
    "real-world-applications": (
        rf"\b(can|could|would|might) {_SUBJECT}( \w+)? {_TASK}\b",
        r"\b(use cases?|what (are|is) (it|they) (used|good) for|what can (i|we) (do|use))\b",
    ),
    "the-future-of-ai-with-foundation-models": (
        r"\bwhat'?s next( for\b|\W*$)",
        r"\bwhat (comes|happens) next( for\b|\W*$)",
        r"\b(heading|headed|going)( next)?\W*$",
        r"\b(down the (road|line)|coming years|years to come|next (few )?(years|decade))\b",
        r"\bin (a |the )?(few|couple( of)?|next|\d+|two|three|five|ten|twenty|coming)"
        r" (\w+ )?(years|decades)\b",
        r"\b(years|decades?) from now\b",
    ),
    "takeaways": (
        r"\b(main|key|important|big|core) (points|ideas|things|lessons|messages|bits)\b",
        r"\bbullet",
        r"\bshort(er)? version\b",
        r"\bin a nutshell\b",
        r"\btl;? ?dr\b",
        r"\bsum (it|this|that|everything|things) up\b",
        r"\b(quick|brief) (overview|rundown|summary)\b",
        r"\b(rundown|cheat ?sheet|skim)\b",
    ),
}
# A use-case form fits anything asked of a machine ("could it tell me the weather?"): it
# answers only when the question is also near its passage in meaning (answer.py).
BROAD = frozenset({"real-world-applications"})
_PATTERNS = [(key, re.compile(p, re.IGNORECASE)) for key, ps in _FORMS.items() for p in ps]


def pointed_to(question: str) -> list[str]:
    """The passages whose form the question takes, in the order of the list above."""
    return list(dict.fromkeys(key for key, pattern in _PATTERNS if pattern.search(question)))
