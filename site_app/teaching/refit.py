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
from site_app.triage import learned
from site_app.triage.learned import Model
from site_app.triage.taught import Decided, Lessons, Neighbours

MOVED = 5  # features listed as the ones the refit moved most
TIMEOUT = 600  # seconds a refit may take (about 5 s here with 400 decisions)


class RefitError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def shipped() -> tuple[tuple[bool, str], ...]:
    return tuple(learned.shipped_examples())


def fit(site: list[Example], traffic: list[str], before: Model) -> tuple[Model, dict[str, Any]]:
    """The shipped model refined with the site's decisions at their weights, beside the
    shipped corpus and the site's recent ``traffic``, in a child process
    (``site_app.teaching.fit``). Raises RefitError when it fails."""
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
    return model, changes(site, before, model, time.perf_counter() - started)


def lessons(refit: int, model: Model, site: list[Example]) -> Lessons:
    """What a worker judges with: the refitted model and the decided texts themselves."""
    neighbours = Neighbours.of(Decided(not e.spam, e.message) for e in site)
    genuine = sum(not e.spam for e in site)
    return Lessons(refit, model, neighbours, genuine, len(site) - genuine)


def changes(site: list[Example], before: Model, after: Model, seconds: float) -> dict[str, Any]:
    """The decided texts' mean log odds before and after, and the features moved most."""
    odds: dict[str, list[float]] = {}
    for label, spam in (("genuine", False), ("spam", True)):
        texts = [e.message for e in site if e.spam == spam]
        if texts:
            odds[label] = [
                round(sum(m.log_odds(t) for t in texts) / len(texts), 2) for m in (before, after)
            ]
    keys = before.weights.keys() | after.weights.keys()
    moved = sorted(
        keys,
        key=lambda f: -abs(after.weights.get(f, 0.0) - before.weights.get(f, 0.0)),
    )[:MOVED]
    return {
        "seconds": round(seconds, 2),
        "weight": round(sum(e.weight for e in site), 1),
        "odds": odds,
        "moved": [[f, before.weights.get(f, 0.0), after.weights.get(f, 0.0)] for f in moved],
    }


def dumps(model: Model) -> str:
    return json.dumps({"prior": model.prior, "weights": model.weights}, ensure_ascii=False)


def loads(text: str) -> Model:
    data = json.loads(text)
    return Model(float(data["prior"]), {str(k): float(v) for k, v in data["weights"].items()})
