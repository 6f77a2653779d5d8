"""Triage learns from sales: every inquiry they deliver from the digest (or release) is a
genuine example, every one they mark is a spam example, and a learner thread in each
worker refits the wording model with them and judges texts close to them as sales did.

Lower layers never import this package: it reads the outbox's labels and hands the
triage engine its ``Lessons``.
"""

from __future__ import annotations

import threading

from flask import Flask

from site_app.outbox import worker
from site_app.teaching.cli import triage_group
from site_app.teaching.loop import learn_due

LEARNER = worker.Destination("triage learner", learn_due, ":learner", woken=False)


def init_app(app: Flask) -> None:
    app.cli.add_command(triage_group)


def start_thread(app: Flask) -> threading.Event | None:
    """The learner thread of a worker that judges (unless TRIAGE_LEARNING is off)."""
    if not app.config["TRIAGE_LEARNING"]:
        return None
    return worker.start_thread(app, LEARNER)
