"""Issue 9's benchmark: what counting every request costs a guide page's throughput.

Two gunicorns side by side, the same config, workers and page; one with
METRICS_BIND (multiprocess counters and a timer on every request, page-cache
hits included), one without. Alternating wrk runs, so load from elsewhere
falls on both. Goal: metrics on keeps at least 90% of the throughput.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench import header, site_env, wrk
from site_app.devmail import free_port
from tests.servers import Gunicorn

PAGE = "/guide/why-do-they-matter"
ARGS = ["-t2", "-c32"]
SECONDS = 5
ROUNDS = 5


def run() -> None:
    cpu_per_request()
    throughput()


def cpu_per_request() -> None:
    """CPU time per answer from the page cache, in one process: steady on a busy machine."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": folder}  # as under gunicorn
        command = [sys.executable, "-m", "bench.metrics", folder]
        subprocess.run(command, env=env, check=True)


def _measure_in_process(folder: Path) -> None:
    from werkzeug.test import EnvironBuilder

    from site_app import create_app

    header(f"CPU time per request for {PAGE} from the page cache, one process, metrics on/off")
    environ = EnvironBuilder(path=PAGE, headers={"Accept-Encoding": "br"}).get_environ()
    apps = {
        name: create_app(site_env(folder, METRICS_BIND=bind)).wsgi_app
        for name, bind in (("on", "127.0.0.1:9"), ("off", ""))
    }

    def answer(app: Any) -> None:
        b"".join(app(dict(environ), lambda *_: None))

    for app in apps.values():
        answer(app)  # fills the page cache
    spent: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(ROUNDS):
        for name, app in apps.items():
            started = time.process_time()
            for _ in range(20_000):
                answer(app)
            spent[name].append((time.process_time() - started) / 20_000 * 1e6)
    on, off = (statistics.median(spent[k]) for k in ("on", "off"))
    print(f"  on {on:.1f} µs, off {off:.1f} µs per request (medians of {ROUNDS} x 20,000)")
    print(f"  metrics cost {on - off:.1f} µs a request (the app alone; gunicorn's share is below)")


def _cpu_seconds(server: Gunicorn) -> float:
    """User and system CPU of the master's children: the workers (and metrics server)."""
    assert server.process is not None
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def throughput() -> None:
    with tempfile.TemporaryDirectory() as on_dir, tempfile.TemporaryDirectory() as off_dir:
        bind = f"127.0.0.1:{free_port()}"
        on_env = site_env(Path(on_dir), METRICS_BIND=bind)
        with Gunicorn(on_env, workers=2) as on, Gunicorn(site_env(Path(off_dir)), workers=2) as off:
            header(
                f"throughput of {PAGE}, metrics on against off "
                f"(wrk {' '.join(ARGS)} -d{SECONDS}s, alternating, 2 workers each)"
            )
            for server in (on, off):
                wrk(server.url + PAGE, *ARGS, "-d2s")  # warm-up: fills the page cache
            rates: dict[str, list[float]] = {"on": [], "off": []}
            cpu: dict[str, list[float]] = {"on": [], "off": []}
            for _ in range(ROUNDS):
                for name, server in (("on", on), ("off", off)):
                    before = _cpu_seconds(server)
                    rates[name].append(wrk(server.url + PAGE, *ARGS, f"-d{SECONDS}s"))
                    served = rates[name][-1] * SECONDS
                    cpu[name].append((_cpu_seconds(server) - before) / served * 1e6)
                print(
                    f"  on {rates['on'][-1]:7.0f} req/s {cpu['on'][-1]:5.0f} µs CPU   "
                    f"off {rates['off'][-1]:7.0f} req/s {cpu['off'][-1]:5.0f} µs CPU   "
                    f"ratio {rates['on'][-1] / rates['off'][-1]:.2f}"
                )
            mean_on, mean_off = (statistics.mean(rates[k]) for k in ("on", "off"))
            ratios = [a / b for a, b in zip(rates["on"], rates["off"], strict=True)]
            print(
                f"  mean: on {mean_on:.0f} req/s, off {mean_off:.0f} req/s; "
                f"ratio on/off = {mean_on / mean_off:.2f}, median of the rounds' ratios "
                f"{statistics.median(ratios):.2f} (goal >= 0.90)"
            )
            cpu_on, cpu_off = (statistics.median(cpu[k]) for k in ("on", "off"))
            print(
                f"  gunicorn's CPU per request (workers and metrics server, medians): "
                f"on {cpu_on:.0f} µs, off {cpu_off:.0f} µs; "
                f"CPU-bound throughput ratio on/off = {cpu_off / cpu_on:.2f} (goal >= 0.90)"
            )
            with urllib.request.urlopen(f"http://{bind}/metrics", timeout=30) as answer:
                counted = next(
                    line
                    for line in answer.read().decode().splitlines()
                    if line.startswith('glissando_http_requests_total{method="GET",route="/guide')
                )
            print(f"  counted by the metrics: {counted.split()[-1]} guide-page requests")


if __name__ == "__main__":
    _measure_in_process(Path(sys.argv[1]))
