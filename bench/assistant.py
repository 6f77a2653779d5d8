"""Issue 11's benchmarks: the assistant's answers on the question sets, /ask against
GET /contact on one gunicorn, one worker's memory, and the critical path with the
assistant's CSS and JS."""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from bench import header, percentile, site_env
from bench.assistant_weight import configured
from bench.site import FIRST_ROUND_TRIP, PAGES, _decode, _memory, _Subresources, _worker_pid, fetch
from site_app.assistant.answer import answer, clean
from site_app.assistant.index import MIN_COVERAGE, GuideIndex
from site_app.guide.content import load_guide
from tests.assistant_quality import (
    DOUBT_ONLY,
    GOALS,
    HANDOFF,
    NEVER_TUNED,
    first_answer,
    load_questions,
    score,
)
from tests.servers import Gunicorn

ANSWERED = "/ask?q=" + quote("What are the risks?")
UNANSWERED = "/ask?q=" + quote("What are your prices?")
LOOK_ALIKE = "/ask?q=" + quote("Who built CLIP?")
# A question the doubt cannot decide without its nearest questions (neighbours.py)
NEAREST = "/ask?q=" + quote("how do they help hospitals?")
TARGETS: dict[str, str | list[str]] = {
    "GET /contact": "/contact",
    "/ask answered": ANSWERED,
    "/ask hand-off": UNANSWERED,
    "/ask look-alike": LOOK_ALIKE,
    "/ask nearest": NEAREST,
}


def visitors_mix() -> list[str]:
    """Strangers' questions in turn (the never-tuned parts, every tenth): what /ask costs
    over what visitors ask, not over one question."""
    asked = [q["q"] for part in NEVER_TUNED for q in load_questions()[part]][::10]
    return ["/ask?q=" + quote(q) for q in asked]


ROUNDS, PER_ROUND = 5, 200


def run_quality() -> None:
    header(
        "answers on tests/data/assistant_questions.toml: right section first, right section "
        f"among answers and suggestions, hand-off (goals {GOALS[0]}, {GOALS[1]}, {GOALS[2]})"
    )
    index = GuideIndex(load_guide())
    plain = GuideIndex(load_guide(), doubting=False, reranking=False)
    print(
        "  each part, the hand-made ranking alone -> with the re-ranker (rerank.py) and the"
        " doubt (verify.py)"
    )
    for part, questions in load_questions().items():
        right, among, handed = score(index, questions)
        was = "{:.2f}/{:.2f}/{:.2f}".format(*score(plain, questions))
        n = sum(q["expect"] != HANDOFF for q in questions)
        note = "never tuned on" if part in NEVER_TUNED else "tuned on"
        note = "only the re-ranker and the doubt fitted on it" if part in DOUBT_ONLY else note
        print(
            f"  {part:<27} first/among/hand-off {was} -> {right:.2f}/{among:.2f}/{handed:.2f} "
            f"(of {n}, {len(questions) - n}; {note})"
        )
    blind = [q for part in NEVER_TUNED for q in load_questions()[part]]
    print(
        "  never tuned on, pooled: {:.2f}/{:.2f}/{:.2f} -> {:.2f}/{:.2f}/{:.2f}".format(
            *score(plain, blind), *score(index, blind)
        )
    )
    reach = [q["q"] for q in blind if q["expect"] == "contact"]
    missed = [q for q in reach if first_answer(index, q) not in ("contact", HANDOFF)]
    print(f"  requests to reach the team, never tuned on: {len(missed)} of {len(reach)} missed")
    header(f"the hand-off decision: best passage's coverage (answered from {MIN_COVERAGE})")
    for kind in ("answerable", "unanswerable"):
        covered, sales = [], 0
        for questions in load_questions().values():
            for q in questions:
                if (q["expect"] == HANDOFF) == (kind == "unanswerable"):
                    hits = index.search(clean(q["q"]))
                    covered.append(hits[0].coverage if hits else 0.0)
                    sales += bool(hits) and hits[0].passage.key == HANDOFF
        buckets = [sum(lo <= c < lo + 0.25 for c in covered) for lo in (0, 0.25, 0.5, 0.75)]
        buckets[-1] += sum(c == 1.0 for c in covered)
        print(
            f"  {kind:<13} coverage [0,.25) [.25,.5) [.5,.75) [.75,1]: {buckets}; "
            f"best row is the sales row: {sales}"
        )
    started = time.perf_counter()
    for _ in range(1000):
        answer(index, "What are the risks of foundation models?")
    print(f"  one answer in-process: {(time.perf_counter() - started):.3f} ms (mean of 1,000)")


# What each part adds: the engine with parts switched off, through answer.py's settings.
# Forms off, and no second try on a question's last sentence (a pattern that never splits)
_NO_FORMS = {"pointed_to": lambda question: [], "_SENTENCE_END": re.compile(r"(?!)")}
VARIANTS: dict[str, dict[str, object]] = {
    "words only (FTS5)": {
        "MEANING_WEIGHT": 0.0,
        "MIN_MEANING": 2.0,
        "MIN_MEANING_ALONE": 2.0,
        "MIN_TOPICAL": 0.0,
        **_NO_FORMS,
    },
    "words + meaning, fused": _NO_FORMS,
    "words + meaning + forms, last sentence": {},
}


def run_parts() -> None:
    header("what each part adds: first / among / hand-off, with and without the answer-type check")
    index = GuideIndex(load_guide())
    parts = load_questions()
    older = [q for name, qs in parts.items() if "heldout" in name or name == "tuning" for q in qs]

    def pooled(*names: str) -> list[dict[str, str]]:
        return [q for name in names for q in parts[name]]

    sets = {
        "older parts": older,
        "9th-13th": pooled(*(n for n in parts if "_meaning" in n and "blind" not in n)),
        "14th-21st": pooled(*(n for n in parts if "blind" in n and n not in NEVER_TUNED)),
        "never tuned": pooled(*(n for n in NEVER_TUNED if n != "heldout")),
    }
    for variant, settings in VARIANTS.items():
        for kinds in (False, True):
            no_kinds = {} if kinds else {"asked_for": lambda question: None}
            with configured({**settings, **no_kinds}):
                figures = "  ".join(
                    "{}: {:.2f}/{:.2f}/{:.2f}".format(name, *score(index, qs))
                    for name, qs in sets.items()
                )
            label = f"{variant}{' + answer type' if kinds else ''}"
            print(f"  {label:<52} {figures}")


# Where the memory runs' readers come from: every view is then counted (the referrer's site
# looked up, a visitor's hash kept for the day), as a worker's are in production.
REFERRERS = (
    "https://www.google.com/",
    "https://www.bing.com/search?q=foundation+models",
    "https://www.linkedin.com/feed/",
    "https://news.ycombinator.com/item?id=1",
    "https://t.co/abc",
    "",
)


def _get(address: tuple[str, int], host: str, path: str, reader: int | None = None) -> float:
    """GET ``path``; with ``reader``, as that reader's browser navigating from a referrer."""
    headers = f"Host: {host}\r\nConnection: close\r\n"
    if reader is not None:
        headers += (
            f"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.{reader % 500}\r\n"
            "Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n"
            f"Referer: {REFERRERS[reader % len(REFERRERS)] or f'http://{host}/'}\r\n"
        )
    request = f"GET {path} HTTP/1.1\r\n{headers}\r\n"
    started = time.perf_counter()
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(request.encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    elapsed = time.perf_counter() - started
    if not answer.startswith(b"HTTP/1.1 200 "):
        raise RuntimeError(f"GET {path} answered {answer[:40]!r}")
    return elapsed * 1000


def run_latency() -> None:
    header(
        f"latency, one request at a time, {ROUNDS} alternating rounds of {PER_ROUND} "
        "(2 workers, production config; the hand-off writes its question to SQLite)"
    )
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(site_env(Path(tmp)), workers=2) as site:
        url = urlsplit(site.url)
        address = (url.hostname or "", url.port or 80)
        targets = {**TARGETS, "/ask visitors' mix": visitors_mix()}
        paths = {name: p if isinstance(p, list) else [p] for name, p in targets.items()}
        samples: dict[str, list[float]] = {name: [] for name in paths}
        for each in paths.values():
            for n in range(20):
                _get(address, url.netloc, each[n % len(each)])  # warm-up
        for _ in range(ROUNDS):
            for name, each in paths.items():
                samples[name] += [
                    _get(address, url.netloc, each[n % len(each)]) for n in range(PER_ROUND)
                ]
    base = statistics.median(samples["GET /contact"])
    for name, values in samples.items():
        p50 = statistics.median(values)
        print(
            f"  {name:<15} p50 {p50:6.2f} ms  p90 {percentile(values, 90):6.2f} ms  "
            f"ratio to /contact p50 {p50 / base:.2f} (goal <= 2)"
        )


def run_memory() -> None:
    header("memory of one worker after load (1 worker; pages and /ask in turn)")
    print(f"  the engine in a fresh interpreter: {_engine_cost()}")
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(site_env(Path(tmp)), workers=1) as site:
        assert site.process is not None
        worker = _worker_pid(site.process.pid)
        url = urlsplit(site.url)
        address = (url.hostname or "", url.port or 80)
        paths = [*PAGES, *TARGETS.values(), "/ask?q=" + quote("Where is this going?")]
        for n in range(5_000):
            _get(address, url.netloc, paths[n % len(paths)], reader=n)
        rss, pss, private = _memory(worker)
    print(f"  after 5,000 requests: VmRSS {rss:.1f} MB, Pss {pss:.1f} MB, Private {private:.1f}")
    print("  (goal: VmRSS <= 80 MB; 58 MB before the assistant)")


def run_critical_path() -> None:
    header(f"critical path with the assistant, br (goal <= {FIRST_ROUND_TRIP:,} bytes of bodies)")
    print(f"  {'page':<48} {'html':>6} {'css':>6} {'js':>5} {'+css':>5} {'total':>7}")
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(site_env(Path(tmp)), workers=1) as site:
        for path in [*PAGES, ANSWERED, UNANSWERED]:
            page = fetch(site.url, path, "br")
            html = _decode(page)
            parser = _Subresources()
            parser.feed(html)
            sizes = {"html": len(page.body), "css": 0, "js": 0, "lazy": 0}
            for kind, url in parser.urls:
                sizes[kind] += len(fetch(site.url, url, "br").body)
            if not re.search(r"<script [^>]*\bdefer\b", html) or "<script>" in html:
                raise RuntimeError(f"{path}: a script that is not deferred")
            lazy = re.search(r'data-css="([^"]+)"', html)  # the panel's CSS, loaded by the JS
            sizes["lazy"] = len(fetch(site.url, lazy[1], "br").body) if lazy else 0
            total = sum(sizes.values())
            mark = "ok" if total <= FIRST_ROUND_TRIP else "OVER"
            print(
                f"  {path[:48]:<48} {sizes['html']:>6} {sizes['css']:>6} {sizes['js']:>5} "
                f"{sizes['lazy']:>5} {total:>7} {mark}"
            )
    print("  every script is deferred: none blocks rendering")


_ENGINE_COST = """
import re, pathlib
def rss():
    status = pathlib.Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\\s+(\\d+) kB", status, re.M)[1]) / 1024
from site_app.guide.content import load_guide
before = rss()
from site_app.assistant.index import GuideIndex
index = GuideIndex(load_guide())
print(f"{rss() - before:+.1f} MB of VmRSS for sqlite3, FTS5, WordLlama's vocabulary and the index")
"""


def _engine_cost() -> str:
    command = [sys.executable, "-c", _ENGINE_COST]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def run() -> None:
    run_quality()
    run_parts()
    run_latency()
    run_memory()
    run_critical_path()
