"""Issue 26's benchmarks: what counting costs a cached page's throughput, side by side,
and how long the report of a year of counts takes to build and render.

Three figures, alternating in one run, each a page from the page cache as a browser's
navigation from a search engine asks for it: the page not counted (a site with
``COUNT_BY=pixel`` asked for the page alone: no counting work in the page's request), the
page counted in its own request (``COUNT_BY=page``, as shipped), and the page with its pixel
(``COUNT_BY=pixel``: a view is two requests, the price behind nginx's cache, where the page
costs the app nothing and the pixel is the app's only request per view).
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
NAVIGATION = ("Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate")
SECONDS, ROUNDS = 5, 3
# wrk: every other request is the page's pixel, as a browser loads it after the page.
# The pixel's Referer is the page (the -H headers, a search engine's, are the page's).
ALTERNATE = f"""
local n = 0
local pixel = {{}}
request = function()
  n = n + 1
  if n == 1 then
    for k, v in pairs(wrk.headers) do pixel[k] = v end
    pixel["Referer"] = PAGE_URL
  end
  if n % 2 == 0 then return wrk.format("GET", "/v.gif?r=", pixel) end
  return wrk.format("GET", "{PAGE}")
end
"""


def _views_per_second(url: str, script: Path | None) -> float:
    args = ["-t2", "-c32", f"-d{SECONDS}s", "-H", f"User-Agent: {AGENT}"]
    args += ["-H", "Referer: https://www.google.com/"]
    for line in NAVIGATION:
        args += ["-H", line]
    if script is None:
        return wrk(url + PAGE, *args)
    script.write_text(ALTERNATE.replace("PAGE_URL", repr(url + PAGE)))
    return wrk(url + PAGE, *args, "-s", str(script)) / 2  # two requests a view


def run_throughput() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = folder / "alternate.lua"
        by_page, by_pixel = site_env(folder), site_env(folder, COUNT_BY="pixel")
        with Gunicorn(by_page, workers=2) as site, Gunicorn(by_pixel, workers=2) as pixel_site:
            header(
                f"throughput of {PAGE} from the page cache, views per second; wrk -t2 "
                f"-c32 -d{SECONDS}s, 2 workers each, alternating"
            )
            runs = {
                "not counted": (pixel_site, None),
                "counted in its request": (site, None),
                "+ pixel": (pixel_site, script),
            }
            for server, with_script in runs.values():
                _views_per_second(server.url, with_script)  # warm-up
            rates: dict[str, list[float]] = {name: [] for name in runs}
            for round_ in range(ROUNDS):
                order = list(runs.items())  # each run first in turn: no order is favoured
                for name, (server, with_script) in order[round_:] + order[:round_]:
                    rates[name].append(_views_per_second(server.url, with_script))
                print("  " + "   ".join(f"{n} {r[-1]:6.0f}" for n, r in rates.items()))
            bare, counted, pixel = (statistics.mean(r) for r in rates.values())
            print(
                f"  mean: page not counted {bare:.0f}/s, counted in its request {counted:.0f}/s, "
                f"page + pixel {pixel:.0f}/s"
            )
            print(
                f"  counting in the page's request (COUNT_BY=page, shipped): "
                f"{100 * (1 - counted / bare):.1f} % of a cached page's throughput (goal <= 5 %); "
                f"the pixel (COUNT_BY=pixel): {100 * (1 - pixel / bare):.1f} %"
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
