"""The learner: a thread in each gunicorn worker that notices sales' decisions and puts
them to use in that worker's judge().

Every poll asks for the decisions' digest (one indexed aggregate). When it changed, the
first worker to insert the refit's row (its digest is unique) fits, every other loads
what that one stored: one refit per set of decisions, across workers and hosts. A fit
left unfinished (its worker died) is taken over after ``STALE``.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import threading
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from site_app import metrics
from site_app.extensions import db
from site_app.outbox.models import db_now
from site_app.teaching import examples, refit
from site_app.teaching.models import Refit
from site_app.triage import engine
from site_app.triage.learned import Model
from site_app.triage.packed import Packed
from site_app.triage.taught import NONE

log = logging.getLogger(__name__)
STALE = timedelta(minutes=10)
KEEP = 3  # refits kept, the newest; `flask triage learned` compares the last two
_state: dict[str, str | None] = {"key": None}
_digests: dict[int, str] = {}


def learn_due(owner: str, batch_size: int, lease_seconds: float, stop: threading.Event) -> int:
    """One poll: judge with the newest decisions, fitting them if nobody has. Returns 0
    (the loop's "nothing delivered": it sleeps a poll either way)."""
    key = examples.key(_digest(engine.active_rules().model))
    if key == _state["key"]:
        return 0
    if not key:
        engine.teach(NONE)
        _state["key"] = key
        return 0
    row = db.session.scalar(select(Refit).where(Refit.examples_key == key))
    if row is not None and row.model is None:  # being fitted elsewhere
        if row.started_at < db_now() - STALE:
            db.session.delete(row)
            db.session.commit()
        return 0
    site = examples.load()
    if row is None:
        row = _claim(key, owner)
        if row is None:
            return 0  # another worker fits it; the next poll loads it
        model = _fit(row, site)
    else:
        model = refit.loads(row.model)
        metrics.count_refit("loaded")
    engine.teach(refit.lessons(row.id, model, site))
    _state["key"] = key
    del site
    _give_back()
    return 0


def _give_back() -> None:
    """Hand the heap the decisions' texts took back to the system (glibc keeps freed
    memory otherwise, and a worker's RSS is what its budget counts)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        pass


def _claim(key: str, owner: str) -> Refit | None:
    row = Refit(examples_key=key, owner=owner[:64], started_at=db_now())
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return row


def _fit(row: Refit, site: list[examples.Example]) -> Model:
    model, changes = refit.fit(site, examples.traffic(), engine.active_rules().model)
    row.model = refit.dumps(model)
    row.changes = changes
    row.genuine = sum(not e.spam for e in site)
    row.spam = sum(e.spam for e in site)
    row.finished_at = db_now()
    db.session.commit()
    newest = select(Refit.id).order_by(Refit.id.desc()).limit(KEEP).scalar_subquery()
    db.session.execute(delete(Refit).where(Refit.id.not_in(newest)))
    db.session.commit()
    metrics.count_refit("fitted")
    log.info(
        "triage refitted from %s genuine and %s spam decisions in %.1f s",
        row.genuine,
        row.spam,
        changes["seconds"],
    )
    return model


def _digest(model: Model) -> str:
    """The shipped model's digest, so a release with a new one refits: of its packed
    weights (packed.py), the same bytes on every host."""
    if id(model) not in _digests:
        weights = model.weights
        packed = weights if isinstance(weights, Packed) else Packed(weights)
        digest = hashlib.sha256(repr(model.prior).encode() + packed.fingerprint())
        _digests[id(model)] = digest.hexdigest()[:16]
    return _digests[id(model)]


def forget() -> None:
    """Judge without lessons again (tests, and a worker whose database was replaced)."""
    engine.teach(NONE)
    _state["key"] = None
