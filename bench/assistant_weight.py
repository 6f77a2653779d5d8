"""Issue 17's meaning-weight question: three engine configurations, fixed before they were
measured, on every question part and on the never-tuned parts pooled."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from bench import header
from site_app.assistant.index import GuideIndex
from site_app.guide.content import load_guide
from tests.assistant_quality import HANDOFF, NEVER_TUNED, load_questions, score

# Pooled, because one question of thirty is 0.03: the parts never tuned on, the twelfth
# included (round two read its misses, but for kinds.py's look-alike forms, not the ranking).
POOLED = ("twelfth_meaning_blind", "fourteenth_meaning_blind", "fifteenth_weight_blind")
# Through answer.py's settings; (b) drops the meaning's rank and its own answering gate,
# keeping the weak-signal floor, the suggestions and the tie-break of equal word coverage.
CONFIGURATIONS: dict[str, dict[str, object]] = {
    "(a) the fusion as first shipped": {"MEANING_WEIGHT": 1.0},
    "(b) words + cues + answer type": {
        "MEANING_WEIGHT": 0.0,
        "MIN_MEANING": 2.0,
        "MIN_MEANING_ALONE": 2.0,
    },
    "(c) meaning's rank weight halved (shipped since)": {"MEANING_WEIGHT": 0.5},
}


@contextmanager
def configured(settings: dict[str, object]) -> Iterator[None]:
    """answer.py and fusion.py with ``settings`` in place of their own, restored afterwards."""
    modules = [sys.modules[f"site_app.assistant.{name}"] for name in ("answer", "fusion")]
    owner = {name: next(m for m in modules if hasattr(m, name)) for name in settings}
    saved = {name: getattr(owner[name], name) for name in settings}
    try:
        for name, value in settings.items():
            setattr(owner[name], name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(owner[name], name, value)


def _counts(index: GuideIndex, questions: list[dict[str, str]]) -> str:
    right, among, handed = score(index, questions)
    n = sum(q["expect"] != HANDOFF for q in questions)
    m = len(questions) - n
    return (
        f"{right:.2f} ({round(right * n)}/{n}) / {among:.2f} ({round(among * n)}/{n}) / "
        f"{handed:.2f} ({round(handed * m)}/{m})"
    )


def run() -> None:
    header("the meaning's weight: first / among / hand-off for three configurations")
    index = GuideIndex(load_guide())
    parts = load_questions()
    pooled = [q for name in POOLED for q in parts[name]]
    tuned = [q for name, qs in parts.items() if name not in (*POOLED, *NEVER_TUNED) for q in qs]
    for label, settings in CONFIGURATIONS.items():
        with configured(settings):
            print(f"  {label}")
            print(f"    {'never tuned, pooled':<26} {_counts(index, pooled)}")
            print(f"    {'tuned parts, pooled':<26} {_counts(index, tuned)}")
            for name, questions in parts.items():
                print(f"    {name:<26} {_counts(index, questions)}")
