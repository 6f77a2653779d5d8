"""Benchmarks for `make bench`: each module's ``run()`` prints figures and ratios
measured side by side in one run. Nothing here asserts a timing."""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

from site_app.devmail import free_port


def site_env(folder: Path, mail_port: int | None = None, **extra: str) -> dict[str, str]:
    """Production settings for a throwaway site: its own SQLite file, a loopback relay.

    With no ``mail_port`` the relay address is a free port nobody listens on: fine
    while no inquiry is pending, since the sender only connects when one is.
    """
    return {
        "APP_ENV": "production",
        "SECRET_KEY": "bench-secret",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mail_port or free_port()),
        **extra,
    }


def percentile(samples: list[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def header(title: str) -> None:
    print(f"\n--- {title}", flush=True)


def wrk(url: str, *args: str) -> float:
    """Requests per second from `wrk ARGS URL`; a run with any non-2xx answer is refused."""
    out = subprocess.run(["wrk", *args, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors against {url}:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not found:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{out}")
    return float(found[1])
