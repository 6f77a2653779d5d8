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
    "ask-too-long": "/ask?q=" + "x" * 301,
}
STATUS = {"not-found": 404, "contact-errors": 422, "ask-too-long": 400}


@contextmanager
def running_site(workdir: Path, smtp_port: int, log_name: str) -> Iterator[Gunicorn]:
    """The production gunicorn, delivering to ``smtp_port``, with a form anyone can fill fast."""
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{workdir / 'site.db'}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_TIMEOUT": "5",
        # People type slower than Playwright, and every test posts from the same address.
        "CONTACT_MIN_FILL_SECONDS": "0",
        "CONTACT_RATE_LIMIT": "1000 per hour",
        "OUTBOX_POLL_SECONDS": "0.5",
        "GUNICORN_ACCESS_LOG": "-",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    with Gunicorn(env, workers=2, port=port, log_path=ARTIFACTS / log_name) as server:
        yield server
