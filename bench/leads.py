"""Issue 12's benchmark: the e-mail drain with no webhook, with a webhook receiver that
hangs, and with one that answers, side by side (one process, SQLite, loopback relay);
and what queueing the webhook adds to storing an inquiry (the form's request path)."""

from __future__ import annotations

import base64
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import header
from tests.conftest import GOOD, test_config, wait_for
from tests.smtp import SMTPServer
from tests.webhook_receiver import Receiver

COUNT = 300
SECRET = "whsec_" + base64.b64encode(b"b" * 32).decode()


def _app(folder: Path, relay_port: int, **settings: Any) -> Any:
    from site_app import create_app
    from site_app.database import upgrade_schema

    app = create_app(test_config(folder, relay_port, LOG_LEVEL="ERROR", **settings))
    upgrade_schema(app)
    return app


def _store(app: Any) -> float:
    from site_app.outbox import store

    with app.app_context():
        started = time.perf_counter()
        for i in range(COUNT):
            store.store(uuid.uuid4().hex, {**GOOD, "name": f"Visitor {i}"}, "0" * 64, None)
        return time.perf_counter() - started


def _scenario(receiver: Receiver | None) -> tuple[float, float, float | None]:
    """(store seconds, seconds until every e-mail arrived, until every webhook did)."""
    from site_app import webhooks
    from site_app.outbox import worker

    with tempfile.TemporaryDirectory() as tmp, SMTPServer() as relay:
        hook = {"WEBHOOK_URL": receiver.url, "WEBHOOK_SECRET": SECRET} if receiver else {}
        app = _app(Path(tmp), relay.port, OUTBOX_POLL_SECONDS=0.05, **hook)
        stored = _store(app)
        started = time.perf_counter()
        stops = [worker.start_thread(app), webhooks.start_thread(app)]
        try:
            wait_for(lambda: len(relay.received) >= COUNT, timeout=300, what="every e-mail")
            mailed = time.perf_counter() - started
            posted = None
            if receiver is not None and not receiver.hang.is_set():
                wait_for(lambda: len(receiver.requests) >= COUNT, timeout=300, what="webhooks")
                posted = time.perf_counter() - started
        finally:
            for stop in stops:
                if stop is not None:
                    stop.set()
        return stored, mailed, posted


def run() -> None:
    header(f"leads: {COUNT} inquiries stored, then drained by the sender threads")
    results: dict[str, tuple[float, float, float | None]] = {}
    results["no webhook"] = _scenario(None)
    with Receiver() as hanging:
        hanging.hang.set()
        results["webhook receiver hangs"] = _scenario(hanging)
    with Receiver() as answering:
        results["webhook receiver answers"] = _scenario(answering)
    for name, (stored, mailed, posted) in results.items():
        hooks = f", webhooks all in {posted:.2f} s" if posted is not None else ""
        print(
            f"  {name:<26} store {stored / COUNT * 1000:.2f} ms each, "
            f"e-mails all in {mailed:.2f} s{hooks}"
        )
    base_store, base_mail, _ = results["no webhook"]
    for name in ("webhook receiver hangs", "webhook receiver answers"):
        stored, mailed, _ = results[name]
        print(
            f"  ratio vs no webhook ({name}): store {stored / base_store:.2f}, "
            f"e-mail drain {mailed / base_mail:.2f}"
        )


if __name__ == "__main__":
    run()
