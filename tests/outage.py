"""Taking the test's own PostgreSQL server down and bringing it back, as a restart,
failover or crash would (the server's data and port stay the same)."""

from __future__ import annotations

import shlex

from tests.pg import PostgresCluster


def stop_server(cluster: PostgresCluster) -> str:
    """``pg_ctl stop -m fast``: every connection is cut. Returns the server's options."""
    argv = shlex.split((cluster.data / "postmaster.opts").read_text())[1:]
    data = argv.index("-D")
    options = " ".join(shlex.quote(a) for a in argv[:data] + argv[data + 2 :])
    cluster._run(str(cluster.bin / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(cluster.data))
    return options


def start_server(cluster: PostgresCluster, options: str) -> None:
    cluster._run(
        str(cluster.bin / "pg_ctl"),
        "start",
        "-w",
        "-D",
        str(cluster.data),
        "-l",
        str(cluster.log),
        "-o",
        options,
    )
