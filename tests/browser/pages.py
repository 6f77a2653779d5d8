"""What the browser and HTML checks visit, and the real site they visit it on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from site_app.devmail import free_port
from site_app.guide.content import load_guide
from tests.servers import Gunicorn

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
GUIDE = load_guide()

# name -> path. "contact-errors" is /contact after sending the form empty.
PAGES: dict[str, str] = {
    "home": "/",
    **{f"guide-{s.slug}": f"/guide/{s.slug}" for s in GUIDE.sections},
    "contact": "/contact",
    "contact-thanks": "/contact/thanks",
    "not-found": "/guide/no-such-section",
    "contact-errors": "/contact",
    "ask": "/ask?q=What%27s+CLIP%3F",
    "ask-handoff": "/ask?q=What+are+your+prices%3F",
    "ask-closest": "/ask?q=Who+built+CLIP%3F",  # handed off, with the closest sections
    "ask-voted": "/ask?q=What+are+the+risks%3F&voted=counted",
    "ask-too-long": "/ask?q=" + "x" * 301,
}
# Seen on an instance whose database is read-only: the contact form, filled in and sent.
READ_ONLY_PAGES: dict[str, str] = {"contact-unavailable": "/contact"}
STATUS = {"not-found": 404, "contact-errors": 422, "ask-too-long": 400, "contact-unavailable": 503}


@contextmanager
def running_site(
    workdir: Path,
    smtp_port: int,
    log_name: str,
    read_only: bool = False,
    **settings: str,
) -> Iterator[Gunicorn]:
    """The production gunicorn, delivering to ``smtp_port``, with a form anyone can fill fast.

    ``read_only`` opens the database of a site already running in ``workdir`` read-only,
    as a host whose disk went read-only would: every Send is a 503. ``settings`` override
    the environment below.
    """
    port = free_port()
    database = f"file:{workdir / 'site.db'}?mode=ro&uri=true" if read_only else workdir / "site.db"
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "DB_AUTO_UPGRADE": "false" if read_only else "true",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_TIMEOUT": "5",
        # People type slower than Playwright, and every test posts from the same address.
        "CONTACT_MIN_FILL_SECONDS": "0",
        "CONTACT_RATE_LIMIT": "1000 per hour",
        "OUTBOX_POLL_SECONDS": "0.5",
        "GUNICORN_ACCESS_LOG": "-",
        **settings,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    with Gunicorn(env, workers=2, port=port, log_path=ARTIFACTS / log_name) as server:
        yield server
