"""Issue 26's benchmarks: what counting costs a cached page's throughput, side by side,
and how long the report of a year of counts takes to build and render.

A counted view is two requests: the page (from the page cache) and its pixel. Three
figures, alternating in one run: the page alone (no pixel loaded: the site without
counting), page + pixel with the pixel counting (the site as shipped), and page + pixel
with the pixel's counting made a no-op (``bench.counting_off``), which isolates the work of
counting from the cost of the extra request. Behind nginx's cache the page costs the app
nothing and the pixel is the app's only request per view.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench import header, site_env, wrk
from site_app import create_app
from site_app.database import upgrade_schema
from site_app.extensions import db
from site_app.outbox.models import DELIVERED, HELD, SPAM, Inquiry, utcnow
from site_app.report import figures, render
from site_app.visits.models import EventCount, ViewCount, VisitorCount, VisitorMark
from tests.servers import Gunicorn

PAGE = "/guide/why-do-they-matter"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
SECONDS, ROUNDS = 5, 3
# wrk: every other request is the page's pixel, as a browser loads it after the page.
ALTERNATE = f"""
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then return wrk.format("GET", "/v.gif?r=") end
  return wrk.format("GET", "{PAGE}")
end
"""


def _pages_per_second(url: str, script: Path | None) -> float:
    args = ["-t2", "-c32", f"-d{SECONDS}s", "-H", f"User-Agent: {AGENT}"]
    args += ["-H", f"Referer: {url}{PAGE}"]
    if script is None:
        return wrk(url + PAGE, *args)
    return wrk(url + PAGE, *args, "-s", str(script)) / 2  # two requests a view


def run_throughput() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = folder / "alternate.lua"
        script.write_text(ALTERNATE)
        env = site_env(folder)
        off = ["bench.counting_off:app"]  # named first, so gunicorn serves it
        with Gunicorn(env, workers=2) as site, Gunicorn(env, workers=2, extra_args=off) as noop:
            header(
                f"throughput of {PAGE} from the page cache, pages (views) per second; wrk -t2 "
                f"-c32 -d{SECONDS}s, 2 workers each, alternating"
            )
            runs = {"page alone": (site, None), "+ pixel, counted": (site, script)}
            runs["+ pixel, not counted"] = (noop, script)
            for server, with_script in runs.values():
                _pages_per_second(server.url, with_script)  # warm-up
            rates: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(ROUNDS):
                for name, (server, with_script) in runs.items():
                    rates[name].append(_pages_per_second(server.url, with_script))
                print("  " + "   ".join(f"{n} {r[-1]:6.0f}" for n, r in rates.items()))
            alone, counted, uncounted = (statistics.mean(r) for r in rates.values())
            print(
                f"  mean: page alone {alone:.0f}/s, page + counted pixel {counted:.0f}/s, "
                f"page + uncounted pixel {uncounted:.0f}/s"
            )
            print(
                f"  counting's own work: {100 * (1 - counted / uncounted):.1f} % of a counted "
                f"view's throughput (goal <= 5 %); the pixel request itself: "
                f"{100 * (1 - uncounted / alone):.1f} % of the page alone's"
            )


def _a_year(today: datetime) -> None:
    """A busy year: every page every day from a dozen sources, with visitors, the
    assistant's events and five inquiries a day."""
    rng = random.Random(26)
    pages = [p for p, _ in figures.pages()]
    sources = [("(direct)", "", "", ""), ("Google", "", "", ""), ("(this site)", "", "", "")]
    sources += [("Bing", "", "", ""), ("(no JavaScript)", "", "", ""), ("linkedin.com", "", "", "")]
    sources += [("(direct)", "news", "email", f"issue-{n}") for n in range(6)]
    views, visitors, events, inquiries = [], [], [], []
    for back in range(400):
        day = (today - timedelta(days=back)).date()
        for page in [*pages, ""]:
            visitors.append({"day": day, "page": page, "visitors": rng.randint(50, 500)})
            for referrer, s, m, c in sources if page else ():
                n = rng.randint(0, 60)
                views.append(
                    {"day": day, "page": page, "referrer": referrer, "utm_source": s,
                     "utm_medium": m, "utm_campaign": c, "views": n, "visits": n // 2}
                )  # fmt: skip
        for name in ("asked", "answered", "handed_off", "yes", "no"):
            events.append({"day": day, "name": name, "count": rng.randint(0, 80)})
        for n in range(5):
            context = {"page": rng.choice(pages), "utm_source": "news", "utm_campaign": "issue-1"}
            inquiries.append(
                Inquiry(
                    token=f"t{back}-{n}",
                    message_id=f"<{back}.{n}@x>",
                    name="A",
                    email="a@example.com",
                    service="Chatbot",
                    message="Hello",
                    client_hash="x",
                    status=rng.choice([DELIVERED, HELD, SPAM]),
                    created_at=today - timedelta(days=back, hours=n),
                    context=context,
                )
            )
    db.session.execute(ViewCount.__table__.insert(), views)
    db.session.execute(VisitorCount.__table__.insert(), visitors)
    db.session.execute(EventCount.__table__.insert(), events)
    marks = [{"day": today.date(), "page": "", "visitor": f"{n:016x}"} for n in range(3000)]
    db.session.execute(VisitorMark.__table__.insert(), marks)
    db.session.add_all(inquiries)
    db.session.commit()
    print(
        f"  {len(views):,} view rows, {len(visitors):,} visitor rows, {len(inquiries):,} inquiries"
    )


def run_report() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({**site_env(Path(tmp)), "APP_ENV": "testing"})
        upgrade_schema(app)
        with app.app_context():
            header("the report of a year of counts (SQLite), built and rendered (text and HTML)")
            now = utcnow()
            _a_year(now)
            times = []
            for _ in range(5):
                started = time.perf_counter()
                shown = figures.build((now - timedelta(days=364)).date(), now.date())
                for template in ("email/report.txt", "email/report.html"):
                    app.jinja_env.get_template(template).render(
                        report=shown, chart=render.chart(shown), conversion=render.conversion
                    )
                times.append(time.perf_counter() - started)
            print(f"  {len(shown['days'])} days: median {statistics.median(times):.3f} s, "
                  f"slowest {max(times):.3f} s (goal < 1 s)")  # fmt: skip


def run() -> None:
    run_throughput()
    run_report()


if __name__ == "__main__":
    run()
