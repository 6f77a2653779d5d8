"""The doubt's two thresholds (verify.py), chosen from how it does on parts left out.

fit.py gives each question where the engine points it without the doubt, and the doubt's
probability from a model fitted without the question's part; this chooses the thresholds
a writer the model never read does best with, within the suite's bounds. numpy is needed
here only (the dev lock has it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from site_app.assistant.index import HANDOFF

if TYPE_CHECKING:
    import numpy as np

THRESHOLDS = [t / 100 for t in range(10, 75, 5)]
# Left one part out, right-first plus hand-off is nearly flat across thresholds (within a
# point from 0.30 to 0.45): of those within NEAR_BEST of the best, the one that hands off
# most is kept. An answerable question handed off still shows its section beside "Ask our
# team"; an unanswerable one answered shows a section that does not answer it.
NEAR_BEST = 0.01
# Only thresholds where the model fitted on every part keeps to the suite's bounds on those
# parts are candidates: it costs right-first at most MAX_FIRST_COST against no doubt, hands off
# at least MIN_HANDOFF, and at least MIN_LOOKALIKES of the unanswerable ones the engine would
# answer without it. NEAR_BEST alone chose 0.25 in round seven, where first fell 0.05: the sum
# stayed flat only because hand-offs of answerable questions bought those of unanswerable ones.
# The suite reads the bounds on the doubt-only parts with the shipped re-ranker; here they are
# read on every part with a re-ranker fitted without it, where a threshold's cost to first is
# about a point higher (0.35: 0.023 there, 0.032 here), hence 0.035 for the suite's 0.03.
MAX_FIRST_COST, MIN_HANDOFF, MIN_LOOKALIKES = 0.035, 0.9, 0.7
# A passage the hand-made gate calls far is answered when the doubt is below a second,
# lower threshold; 0 answers none of them, as before round nine
FAR_THRESHOLDS = [t / 100 for t in range(0, 40, 5)]
FAR_HANDOFF_COST = 0.005  # of hand-off left out, the most the far threshold may cost


def kept(rows: list[dict[str, Any]], doubt: np.ndarray, threshold: float, far: float) -> list[str]:
    """Where each question's first answer points, with the doubt at these thresholds."""
    return [
        r["top"]
        if r["fixed"] or (not r["handed"] and d <= (far if r["far"] else threshold))
        else HANDOFF
        for r, d in zip(rows, doubt, strict=True)
    ]


def figures(
    rows: list[dict[str, Any]], doubt: np.ndarray, threshold: float, far: float = -1.0
) -> tuple[float, float]:
    """Right section first (answerable) and handed off (unanswerable), with the doubt."""
    got = kept(rows, doubt, threshold, far)
    answerable = [(r, k) for r, k in zip(rows, got, strict=True) if r["expect"] != HANDOFF]
    rest = [k for r, k in zip(rows, got, strict=True) if r["expect"] == HANDOFF]
    first = sum(k == r["expect"] for r, k in answerable) / max(1, len(answerable))
    return first, sum(k == HANDOFF for k in rest) / max(1, len(rest))


def choose(
    rows: list[dict[str, Any]], doubt: np.ndarray, fitted: np.ndarray
) -> tuple[float, float, tuple[float, float]]:
    """The thresholds, for a close passage and a far one, and their left-out figures.

    The close one as before the far ones were the doubt's (``far`` 0: never answered):
    within the bounds, near the best left out, handing off most. Then the far one, of
    those within the bounds too, that gives most right first left out for at most
    FAR_HANDOFF_COST less hand-off than the close one alone.
    """
    import numpy as np

    undoubted = figures(rows, fitted, float("inf"))[0]  # the gate alone: far handed off
    answered = np.array([not r["fixed"] and not r["handed"] and not r["far"] for r in rows])
    answered &= np.array([r["expect"] == HANDOFF for r in rows])
    lookalikes = [r for r, a in zip(rows, answered, strict=True) if a]

    def bounded(t: float, far: float) -> bool:
        within = figures(rows, fitted, t, far)
        return (
            within[0] >= undoubted - MAX_FIRST_COST
            and within[1] >= MIN_HANDOFF
            and figures(lookalikes, fitted[answered], t, far)[1] >= MIN_LOOKALIKES
        )

    for t in THRESHOLDS:  # what the choice was made from, for the one who runs the fit
        line = " ".join(
            _shown(figures(rows, doubt, t, far), bounded(t, far)) for far in FAR_THRESHOLDS
        )
        print(f"  {t:.2f}: left out, far at {FAR_THRESHOLDS}: {line}")
    closes = [t for t in THRESHOLDS if bounded(t, 0.0)] or THRESHOLDS
    scored = {t: figures(rows, doubt, t, 0.0) for t in closes}
    best = max(sum(scored[t]) for t in closes)
    near = [t for t in closes if sum(scored[t]) >= best - NEAR_BEST]
    threshold = max(near, key=lambda t: (scored[t][1], t))
    with_far = {f: figures(rows, doubt, threshold, f) for f in FAR_THRESHOLDS if f <= threshold}
    fars = [
        f
        for f, (_, handoff) in with_far.items()
        if bounded(threshold, f) and handoff >= scored[threshold][1] - FAR_HANDOFF_COST
    ]
    far = max(fars, key=lambda f: (with_far[f][0], -f), default=0.0)
    return threshold, far, with_far[far]


def _shown(figures: tuple[float, float], bounded: bool) -> str:
    return f"{figures[0]:.3f}/{figures[1]:.3f}{'' if bounded else 'x'}"
