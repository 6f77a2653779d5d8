"""One process's counts, kept in memory and written every ``COUNT_FLUSH_SECONDS`` by a
thread of their own.

A view costs the request that reports it a dictionary update: no database, so neither a
slow database nor a lost one can slow or fail it. A write that fails is logged once per
outage and its counts are dropped (lost counts, never lost pages). The visitor of a view
is held here as an unkeyed hash of address and browser for at most one interval; only its
hash keyed with the day's salt is written.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from flask import Flask

from site_app.extensions import db
from site_app.outbox.models import utcnow
from site_app.visits import store
from site_app.visits.models import SITE
from site_app.visits.store import ViewKey

log = logging.getLogger(__name__)
ONE_DAY = timedelta(days=1)
MAX_KEYS = 50_000  # per interval: a flood of made-up campaigns cannot fill memory


class Tally:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.interval: float = app.config["COUNT_FLUSH_SECONDS"]
        self.lock = threading.Lock()
        self.views: dict[ViewKey, list[int]] = {}
        self.idents: set[tuple[date, str, bytes]] = set()
        self.events: Counter[tuple[date, str]] = Counter()
        self.salts: dict[date, bytes] = {}
        self.failing = False
        self.tidied: date | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stop = threading.Event()

    def view(
        self, page: str, referrer: str, utm: tuple[str, ...], visit: bool, address: str, agent: str
    ) -> None:
        today = datetime.now(UTC).date()  # utcnow() without its naive copy: once a view
        ident = hashlib.blake2b(f"{address}\n{agent}".encode(), digest_size=16).digest()
        key: ViewKey = (today, page, referrer, utm[0], utm[1], utm[2])
        with self.lock:
            counts = self.views.get(key)
            if counts is None:
                if len(self.views) >= MAX_KEYS:
                    return
                counts = self.views[key] = [0, 0]
            counts[0] += 1
            counts[1] += visit
            self.idents.add((today, page, ident))
            self.idents.add((today, SITE, ident))
        self._written_soon()

    def event(self, name: str) -> None:
        with self.lock:
            self.events[(utcnow().date(), name)] += 1
        self._written_soon()

    def _written_soon(self) -> None:
        if self.interval <= 0:  # tests: written before the answer
            self.flush()
        elif self._pid != os.getpid() or self._thread is None:
            # Started by the first count in each process: gunicorn forks after create_app.
            # (It never ends but by stop(): flush() catches what a write raises.)
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="counts-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def stop(self) -> None:
        """Write what is held (a worker's graceful exit) and end the thread."""
        self._stop.set()
        self.flush()

    def flush(self) -> None:
        with self.lock:
            views, idents, events = self.views, self.idents, self.events
            self.views, self.idents, self.events = {}, set(), Counter()
        if not (views or events):
            return
        try:
            with self.app.app_context():
                try:
                    self._write(views, idents, events)
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001 - counts are lost, pages never
            if not self.failing:
                log.warning(
                    "counts could not be written; dropping them until it works", exc_info=True
                )
            self.failing = True
            return
        if self.failing:
            log.info("counts are written again")
        self.failing = False

    def _write(
        self,
        views: dict[ViewKey, list[int]],
        idents: set[tuple[date, str, bytes]],
        events: Counter[tuple[date, str]],
    ) -> None:
        today = utcnow().date()
        if self.tidied != today:
            store.tidy(today)
            self.tidied = today
            # Yesterday's stays in memory (never in the database) for the day's last writes.
            self.salts = {d: s for d, s in self.salts.items() if d >= today - ONE_DAY}
        for day in {d for d, _, _ in idents} - set(self.salts):
            # Only today's salt is ever made: a late write for a day whose salt is gone
            # keeps its views and drops its visitors.
            found = store.salt(day, create=day == today)
            if found is not None:
                self.salts[day] = found
        marks = (  # made as they are written, a batch at a time
            (day, page, store.visitor(self.salts[day], ident))
            for day, page, ident in idents
            if day in self.salts
        )
        store.write(views, marks, events)
