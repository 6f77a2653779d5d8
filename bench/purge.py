"""Issue 10's benchmark: the longest Send while `flask outbox purge` empties a
1,000,000-row outbox, against the longest Send with no purge running, and against
the same purge done as one DELETE statement (what batching replaced)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench import header, percentile, site_env
from tests.conftest import GOOD, form_tokens
from tests.servers import ROOT, Gunicorn
from tests.smtp import SMTPServer

ROWS = 1_000_000
QUIET_SECONDS = 15.0


def seed(database: Path) -> None:
    """A million delivered inquiries, 100 days old: all of them due for the purge."""
    old = (datetime.now(UTC) - timedelta(days=100)).strftime("%Y-%m-%d %H:%M:%S.%f")

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(ROWS):
            yield (
                f"seed-{i:07d}",
                f"<inquiry.seed-{i:07d}@glissando.ai>",
                f"Visitor {i}",
                "visitor@example.com",
                "Chatbot",
                f"Inquiry number {i}: we would like a chatbot for our support desk.",
                "0" * 64,
                "delivered",
                old,
                1,
                old,
                old,
            )

    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO inquiries (token, message_id, name, email, service, message, "
            "client_hash, status, created_at, attempts, next_attempt_at, delivered_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )


class Visitors:
    """One visitor after another sends the form; each POST's time and answer kept."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: list[tuple[float, float, int]] = []  # started, seconds, status
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            session = requests.Session()
            page = session.get(self.url + "/contact", timeout=60)
            data = {**form_tokens(page.text), **GOOD, "message": f"Bench inquiry {n}"}
            n += 1
            started = time.monotonic()
            answer = session.post(
                self.url + "/contact", data=data, allow_redirects=False, timeout=60
            )
            self.samples.append((started, time.monotonic() - started, answer.status_code))
            time.sleep(0.05)

    def during(self, work: Callable[[], None]) -> tuple[list[float], list[int], float]:
        """POST times and non-303 answers while ``work`` runs, and how long it took."""
        first = len(self.samples)
        started = time.monotonic()
        work()
        took = time.monotonic() - started
        taken = [s for s in self.samples[first:] if s[0] <= started + took]
        return [s[1] for s in taken], [s[2] for s in taken if s[2] != 303], took


def run() -> None:
    header(
        f"longest Send while `flask outbox purge --older-than 90d` deletes {ROWS:,} rows "
        "(SQLite outbox, gunicorn -w 2, production config; one visitor after another)"
    )
    with tempfile.TemporaryDirectory() as tmp, SMTPServer() as relay:
        folder = Path(tmp)
        env = site_env(
            folder, relay.port, CONTACT_MIN_FILL_SECONDS="0", CONTACT_RATE_LIMIT="1000000 per hour"
        )
        database = folder / "bench.db"
        with Gunicorn(env, workers=2) as site:
            started = time.monotonic()
            seed(database)
            shutil.copy(database, folder / "copy.db")
            print(f"  seeded {ROWS:,} delivered inquiries in {time.monotonic() - started:.0f} s")
            visitors = Visitors(site.url)
            visitors.thread.start()
            quiet, quiet_bad, _ = visitors.during(lambda: time.sleep(QUIET_SECONDS))
            command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "purge"]
            purge_env = {**os.environ, **env, "SECRET_KEY": "bench-secret"}

            def purge() -> None:
                subprocess.run(
                    [*command, "--older-than", "90d"],
                    cwd=ROOT,
                    env=purge_env,
                    check=True,
                    capture_output=True,
                )

            batched, batched_bad, purge_took = visitors.during(purge)

            def one_statement() -> None:
                with sqlite3.connect(database, timeout=60) as connection:
                    connection.execute(
                        "DELETE FROM inquiries WHERE status IN ('delivered', 'spam') "
                        "AND created_at < ?",
                        ((datetime.now(UTC) - timedelta(days=90)).isoformat(" "),),
                    )

            # The same million rows again, for the one-statement delete.
            with sqlite3.connect(database) as connection:
                connection.execute("ATTACH DATABASE ? AS copy", (str(folder / "copy.db"),))
                connection.execute(
                    "INSERT INTO inquiries SELECT * FROM copy.inquiries WHERE token LIKE 'seed-%'"
                )
            single, single_bad, single_took = visitors.during(one_statement)
            visitors.stop.set()
            visitors.thread.join(120)
    for label, samples, bad, took in (
        ("no purge running", quiet, quiet_bad, QUIET_SECONDS),
        ("during the batched purge", batched, batched_bad, purge_took),
        ("during one DELETE statement", single, single_bad, single_took),
    ):
        print(
            f"  {label:<28} {took:5.1f} s, {len(samples):4} Sends: p50 "
            f"{percentile(samples, 50) * 1000:6.1f} ms, p99 {percentile(samples, 99) * 1000:7.1f} "
            f"ms, longest {max(samples) * 1000:7.1f} ms, not accepted {len(bad)}"
        )
    print(f"  ratio longest Send during the purge / without = {max(batched) / max(quiet):.2f}")
    print(
        f"  ratio longest Send during one DELETE / without = {max(single) / max(quiet):.2f} "
        "(what deleting in batches avoids)"
    )
