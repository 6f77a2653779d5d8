"""What text a regular expression cannot match without: the required-literal prefilter
of grep, RE2 and Hyperscan, for the rules' patterns.

Python's ``re`` tries a pattern that starts with ``\\b`` or ``\\d`` at every character
of a message (about 10 µs each on a 430-character one); ``"btc" in text`` takes a
fraction of a microsecond. A pattern is run only when each of its gates is met, and a
gate is a set of strings one of which every match contains: ``\\d+(\\.\\d+)?\\s*btc``
has the gate {"btc"}, ``(records|contacts)`` {"records", "contacts"}. What cannot be
read as literals (classes, categories, optional parts) gives no gate, so a pattern
without any is simply always run: the prefilter never changes what a pattern finds.
"""

from __future__ import annotations

import re
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

Gate = frozenset[str]
SMALL_CLASS = 8  # a class of at most this many single characters is a gate of them


def gates(pattern: re.Pattern[str]) -> tuple[Gate, ...]:
    """The gates a text must meet for ``pattern`` to find anything in it."""
    if pattern.flags & re.IGNORECASE:
        return ()  # the text's case would have to be folded the same way: not worth it
    try:
        found = _sequence(list(_parser.parse(pattern.pattern, pattern.flags)))
    except (re.error, TypeError, ValueError, AttributeError):  # pragma: no cover
        return ()  # re's parser is its own (Python 3.11's here): unread, a pattern always runs
    return tuple(dict.fromkeys(g for g in found if g and "" not in g))


def meets(text: str, its_gates: tuple[Gate, ...]) -> bool:
    for gate in its_gates:  # loops, not all(any()): this runs 19 times a message
        for piece in gate:
            if piece in text:
                break
        else:
            return False
    return True


def _sequence(items: list[tuple[Any, Any]]) -> list[Gate]:
    """Each element of a sequence must match, so each of their gates holds; a run of
    literal characters is one string."""
    found: list[Gate] = []
    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            found.append(frozenset({"".join(run)}))
            run = []
        found += _element(op, av)
    if run:
        found.append(frozenset({"".join(run)}))
    return found


def _element(op: Any, av: Any) -> list[Gate]:
    if op is c.SUBPATTERN:  # (group, flags added, flags removed, its items)
        return [] if av[1] & re.IGNORECASE else _sequence(list(av[-1]))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _sequence(list(av[2]))
    if op is c.BRANCH:  # one of the branches matches: one of their best strings is there
        best = [_longest(_sequence(list(branch))) for branch in av[1]]
        return [] if any(b is None for b in best) else [frozenset().union(*best)]  # type: ignore[arg-type]
    if op is c.IN and len(av) <= SMALL_CLASS and all(o is c.LITERAL for o, _ in av):
        return [frozenset(chr(v) for _, v in av)]
    return []


def _longest(found: list[Gate]) -> Gate | None:
    """The gate whose shortest string is longest: the rarest of a branch's gates."""
    return max(found, key=lambda gate: min(map(len, gate)), default=None)
