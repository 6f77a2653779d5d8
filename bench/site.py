"""Issue 2's benchmarks: a guide page's throughput against a bare Flask app serving
the same bytes, the critical-path weight of every page, and one worker's memory."""

from __future__ import annotations

import gzip
import http.client
import re
import socket
import statistics
import tempfile
import time
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import brotli

from bench import header, site_env, wrk
from site_app.guide.content import load_guide
from tests.servers import Gunicorn

PAGE = "/guide/why-do-they-matter"
PAGES = ["/", *(f"/guide/{s.slug}" for s in load_guide().sections), "/contact"]
FIRST_ROUND_TRIP = 14_336  # 14 KB: ten TCP segments, the usual initial congestion window
WRK = ["wrk", "-t2", "-c32"]
SECONDS = 5
ROUNDS = 3  # site, baseline, site, baseline...: load from elsewhere hits both
ENCODINGS = ("identity", "gzip", "br")


@dataclass
class Fetched:
    headers: Message
    body: bytes  # as sent: still compressed
    header_bytes: int  # the status line and headers, as sent


def fetch(base: str, path: str, encoding: str | None = None) -> Fetched:
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    connection.request("GET", path, headers={"Accept-Encoding": encoding or "identity"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    status_line = len(f"HTTP/1.1 {response.status} {response.reason}\r\n")
    sent = status_line + sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders()) + 2
    return Fetched(response.headers, body, sent)


def rate(url: str, seconds: int, encoding: str | None) -> float:
    extra = ["-H", f"Accept-Encoding: {encoding}"] if encoding else []
    return wrk(url, *WRK[1:], f"-d{seconds}s", *extra)


def throughput(site: Gunicorn, baseline: Gunicorn, encoding: str | None) -> None:
    label = f"Accept-Encoding: {encoding}" if encoding else "no Accept-Encoding"
    header(f"throughput of {PAGE}, {label} (wrk {' '.join(WRK[1:])} -d{SECONDS}s, alternating)")
    for server in (site, baseline):
        rate(server.url + PAGE, 2, encoding)  # warm-up, not counted
    rates: dict[str, list[float]] = {"site": [], "baseline": []}
    for _ in range(ROUNDS):
        for name, server in (("site", site), ("baseline", baseline)):
            rates[name].append(rate(server.url + PAGE, SECONDS, encoding))
        print(
            f"  site {rates['site'][-1]:7.0f} req/s   baseline {rates['baseline'][-1]:7.0f} req/s"
            f"   ratio {rates['site'][-1] / rates['baseline'][-1]:.2f}"
        )
    site_rate, base_rate = (statistics.mean(rates[k]) for k in ("site", "baseline"))
    print(
        f"  mean: site {site_rate:.0f} req/s, baseline {base_rate:.0f} req/s; "
        f"ratio site/baseline = {site_rate / base_rate:.2f} (goal >= 0.90)"
    )


def write_baseline_body(site_url: str, folder: Path) -> None:
    plain, compressed = fetch(site_url, PAGE), fetch(site_url, PAGE, "br")
    if compressed.headers["Content-Encoding"] != "br":
        raise RuntimeError("the site did not answer br when asked for it")
    (folder / "body").write_bytes(plain.body)
    (folder / "body.br").write_bytes(compressed.body)
    (folder / "content-type").write_text(plain.headers["Content-Type"])


def check_same_bytes(site: Gunicorn, baseline: Gunicorn) -> None:
    for encoding in (None, "br"):
        ours, theirs = fetch(site.url, PAGE, encoding), fetch(baseline.url, PAGE, encoding)
        for name in ("Content-Type", "Content-Encoding"):
            if ours.headers[name] != theirs.headers[name]:
                raise RuntimeError(f"the baseline's {name} differs from the site's")
        if ours.body != theirs.body:
            raise RuntimeError(f"the baseline does not send the site's bytes ({encoding})")
        if theirs.headers["Content-Security-Policy"]:
            raise RuntimeError("the baseline port is serving the site, not the minimal app")
        print(f"  {PAGE}, {encoding or 'identity'}: {len(ours.body):,} bytes from both servers")


def run_throughput() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = site_env(folder)
        with Gunicorn(env, workers=2) as site:
            write_baseline_body(site.url, folder)
            # Gunicorn names wsgi:app last, and gunicorn serves the *first* application
            # named: the baseline runs the very same command, config file and flags.
            baseline_env = {**env, "BENCH_BODY_DIR": tmp}
            with Gunicorn(baseline_env, workers=2, extra_args=["bench.minimal_app:app"]) as base:
                header(
                    "throughput: both under config/gunicorn.conf.py, 2 workers each; the site "
                    "keeps its outbox sender thread (production default), idle: nothing pending"
                )
                check_same_bytes(site, base)
                throughput(site, base, None)
                throughput(site, base, "br")


class _Subresources(HTMLParser):
    """The stylesheets and scripts a page needs before it can render."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.urls.append(("css", a["href"] or ""))
        elif tag == "script" and a.get("src"):
            self.urls.append(("js", a["src"] or ""))


def _decode(page: Fetched) -> str:
    body, encoding = page.body, page.headers["Content-Encoding"]
    if encoding == "br":
        body = brotli.decompress(body)
    elif encoding == "gzip":
        body = gzip.decompress(body)
    return body.decode()


def critical_path(site_url: str, encoding: str) -> None:
    header(f"critical-path weight, {encoding} (goal <= {FIRST_ROUND_TRIP:,} bytes of bodies)")
    print(f"  {'page':<48} {'html':>6} {'css':>6} {'js':>5} {'total':>7} {'+headers':>9}")
    worst = 0
    for path in PAGES:
        page = fetch(site_url, path, encoding)
        if page.headers["Content-Encoding"] != encoding:
            raise RuntimeError(f"{path} was not sent {encoding}-compressed")
        sizes = {"html": len(page.body), "css": 0, "js": 0}
        heads = page.header_bytes
        parser = _Subresources()
        parser.feed(_decode(page))
        for kind, url in parser.urls:
            sub = fetch(site_url, url, encoding)
            if sub.headers["Content-Encoding"] != encoding:
                raise RuntimeError(f"{url} was not sent {encoding}-compressed")
            sizes[kind] += len(sub.body)
            heads += sub.header_bytes
        total = sum(sizes.values())
        worst = max(worst, total)
        mark = "ok" if total <= FIRST_ROUND_TRIP else "OVER"
        print(
            f"  {path:<48} {sizes['html']:>6} {sizes['css']:>6} {sizes['js']:>5} "
            f"{total:>7} {total + heads:>9} {mark}"
        )
    print(f"  heaviest page: {worst:,} bytes ({worst / FIRST_ROUND_TRIP:.0%} of 14 KB)")


def run_critical_path() -> None:
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(site_env(Path(tmp)), workers=1) as site:
        for encoding in ("br", "gzip"):
            critical_path(site.url, encoding)


def _memory(pid: int) -> tuple[float, float, float]:
    """VmRSS, Pss and private memory of ``pid`` in MB."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    kb = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.MULTILINE)}
    return (
        kb["Rss"] / 1024,
        kb["Pss"] / 1024,
        (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
    )


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {children}")
    return int(children[0])


def _hammer(base: str, start: int, stop: int) -> None:
    """Requests number ``start`` to ``stop - 1``, every page and encoding in turn.

    Raw sockets keep the client's share of the two cores small; gunicorn's sync
    worker closes each connection after its answer anyway.
    """
    url = urlsplit(base)
    address = (url.hostname or "", url.port or 80)
    for n in range(start, stop):
        path = PAGES[n % len(PAGES)]
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Accept-Encoding: {ENCODINGS[n % 3]}\r\nConnection: close\r\n\r\n"
        )
        with socket.create_connection(address, timeout=10) as connection:
            connection.sendall(request.encode())
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        if not answer.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError(f"GET {path} answered {answer[:40]!r}")


def run_memory() -> None:
    header("memory of one worker (1 worker; every page, identity/gzip/br in turn)")
    checkpoints = (1_000, 5_000, 10_000, 20_000)
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(site_env(Path(tmp)), workers=1) as site:
        assert site.process is not None
        worker = _worker_pid(site.process.pid)
        samples = {0: _memory(worker)}
        started, done = time.monotonic(), 0
        for checkpoint in checkpoints:
            _hammer(site.url, done, checkpoint)
            done = checkpoint
            samples[done] = _memory(worker)
        elapsed = time.monotonic() - started
        if _worker_pid(site.process.pid) != worker:
            raise RuntimeError("the worker was replaced during the run")
        master = _memory(site.process.pid)
    print(f"  {'requests':>8} {'VmRSS':>7} {'Pss':>7} {'Private':>8}  (MB)")
    for n, (rss, pss, private) in samples.items():
        print(f"  {n:>8,} {rss:>7.1f} {pss:>7.1f} {private:>8.1f}")
    growth = samples[20_000][0] - samples[10_000][0]
    peak = max(rss for rss, _, _ in samples.values())
    print(
        f"  {done:,} requests in {elapsed:.0f} s; VmRSS growth over the second 10,000: "
        f"{growth:+.1f} MB; peak {peak:.1f} MB (goal <= 60 MB, no growth)"
    )
    print(
        f"  the gunicorn master: VmRSS {master[0]:.1f} MB. The worker is forked from it, and "
        "VmRSS counts the pages they still share;\n  Pss splits those between them, Private "
        "is the worker's alone"
    )


def run() -> None:
    run_throughput()
    run_critical_path()
    run_memory()
