"""Refitting the wording model from the shipped corpus and this site's decisions, and
saying what changed. Runs in the learner thread, never on a visitor's request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from functools import lru_cache
from typing import Any

from site_app.teaching.examples import Example
from site_app.triage.learned import Model
from site_app.triage.taught import Decided, Lessons, Neighbours

MOVED = 5  # features listed as the ones the refit moved most
NEIGHBOURS = 100  # newest decided texts a text is compared with (about 0.5 MB)
TIMEOUT = 600  # seconds a refit may take (about 5 s here with 400 decisions)


class RefitError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def shipped_corpus() -> tuple[tuple[bool, str], ...]:
    # Imported here: a worker never trains, and `python -m site_app.triage.training`
    # must not find the module already imported by the package's start-up.
    from site_app.triage import training

    return tuple(training.shipped_examples())


def fit(site: list[Example], traffic: list[str], shipped: Model) -> tuple[Model, dict[str, Any]]:
    """What refining the ``shipped`` model with the site's decisions (at their weights,
    beside the shipped corpus and the site's recent ``traffic``) changes, fitted in a child
    process (``site_app.teaching.fit``). Raises RefitError when it fails."""
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "site_app.teaching.fit"],
            input=json.dumps(
                {"site": [[e.spam, e.message, e.weight] for e in site], "traffic": traffic}
            ),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RefitError(f"the refit took longer than {TIMEOUT} s") from None
    if done.returncode:
        raise RefitError(f"the refit failed: {done.stderr.strip()[-300:]}")
    model = loads(done.stdout)
    return model, changes(site, shipped, model, time.perf_counter() - started)


def lessons(refit: int, model: Model, site: list[Example]) -> Lessons:
    """What a worker judges with: what the refit moved, and the newest decided texts
    themselves (``NEIGHBOURS`` of them: a worker's memory is bounded)."""
    newest = site[:NEIGHBOURS]
    neighbours = Neighbours.of(Decided(not e.spam, e.message) for e in newest)
    genuine = sum(not e.spam for e in site)
    return Lessons(refit, model, neighbours, genuine, len(site) - genuine)


def changes(site: list[Example], shipped: Model, moved: Model, seconds: float) -> dict[str, Any]:
    """The decided texts' mean log odds before and after, and the features moved most."""
    odds: dict[str, list[float]] = {}
    for label, spam in (("genuine", False), ("spam", True)):
        texts = [e.message for e in site if e.spam == spam]
        if texts:
            before = sum(shipped.log_odds(t) for t in texts) / len(texts)
            after = before + sum(moved.log_odds(t) for t in texts) / len(texts)
            odds[label] = [round(before, 2), round(after, 2)]
    delta = _moved(moved)
    most = sorted(delta, key=lambda f: -abs(delta[f]))[:MOVED]
    return {
        "seconds": round(seconds, 2),
        "weight": round(sum(e.weight for e in site), 1),
        "features": len(delta),
        "odds": odds,
        "moved": [[f, shipped.weights.get(f, 0.0), delta[f]] for f in most],
    }


def _moved(model: Model) -> dict[str, float]:
    """A refit's weights: the features it moved, by name (never packed)."""
    if not isinstance(model.weights, dict):
        raise TypeError("a refit's model holds the features it moved by name")
    return model.weights


def dumps(model: Model) -> str:
    return json.dumps({"prior": model.prior, "weights": _moved(model)}, ensure_ascii=False)


def loads(text: str) -> Model:
    """A model from JSON (what a refit moved: at most ``training.MOST_MOVED`` features)."""
    data = json.loads(text)
    return Model(float(data["prior"]), {k: float(v) for k, v in data["weights"].items()})
