"""The metrics endpoint: ``python -m site_app.metrics.server FOLDER``, started by the
gunicorn master (config/gunicorn.conf.py) on ``METRICS_BIND``.

A process of its own, so the master stays small and holds no database
connection its workers would inherit. It serves the workers' counters (the
files in ``PROMETHEUS_MULTIPROC_DIR``) and the outbox's figures, and exits
when the master does.

Recycled workers (``GUNICORN_MAX_REQUESTS``) would each leave their files
behind and every scrape would read them all. The master's ``child_exit``
drops a ``dead_<pid>`` marker; before each scrape the dead worker's counts
are added into one ``*_archive.db`` file per kind and its files removed, so
totals never go down and the directory stays as large as the live workers.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from flask import Flask
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.core import Metric
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from site_app.config import load
from site_app.extensions import db
from site_app.logs import handler_for
from site_app.metrics.outbox import OutboxCollector

log = logging.getLogger("site_app.metrics")
_KINDS = ("counter", "histogram", "summary")  # sums: safe to add into an archive


def compact(folder: Path) -> int:
    """Fold the files of workers marked dead into the archives; return how many."""
    done = 0
    for marker in sorted(folder.glob("dead_*")):
        pid = marker.name.removeprefix("dead_")
        mark_process_dead(pid, str(folder))
        for kind in _KINDS:
            dead = folder / f"{kind}_{pid}.db"
            if dead.exists():
                archive = MmapedDict(str(folder / f"{kind}_archive.db"))
                try:
                    for key, value, stamp, _ in MmapedDict.read_all_values_from_file(str(dead)):
                        archive.write_value(key, archive.read_value(key)[0] + value, stamp)
                finally:
                    archive.close()
                dead.unlink()
        marker.unlink()
        done += 1
    return done


class WorkerCollector(Collector):
    """The workers' files, compacted first; one scrape at a time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = MultiProcessCollector(None, str(folder))
        self.lock = threading.Lock()

    def collect(self) -> Iterable[Metric]:
        with self.lock:
            compact(self.folder)
            return self.files.collect()


def parse_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return host.strip("[]"), int(port)


def serve_here(app: Flask) -> None:
    """``flask outbox worker`` with METRICS_BIND: its own counts and the outbox, in-process."""
    REGISTRY.register(OutboxCollector(app))
    host, port = parse_bind(app.config["METRICS_BIND"])
    start_http_server(port, host, REGISTRY)
    log.info("metrics on http://%s/metrics", app.config["METRICS_BIND"])


def main() -> int:
    config = load(os.environ, None)
    logging.basicConfig(level=config["LOG_LEVEL"], handlers=[handler_for(config, sys.stdout)])
    folder = Path(sys.argv[1])  # the workers' folder; not in this process's environment,
    # which would make it write (empty) files of its own there
    app = Flask("site_app.metrics")
    app.config.update(config)
    db.init_app(app)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(folder))
    registry.register(OutboxCollector(app))
    host, port = parse_bind(config["METRICS_BIND"])
    try:
        server, _ = start_http_server(port, host, registry)
    except OSError as error:
        log.error("metrics: cannot listen on %s: %s", config["METRICS_BIND"], error)
        return 1
    log.info("metrics on http://%s/metrics", config["METRICS_BIND"])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    master = os.getppid()
    while not stop.wait(1) and os.getppid() == master:
        pass  # the master gone (even by SIGKILL) means this one goes too
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
