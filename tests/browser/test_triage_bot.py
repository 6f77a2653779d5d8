"""Chromium as a patient bot, and a person with a link to their own site.

NEEDS THE TRIAGE ENGINE (branch triage-engine): with the placeholder judge every
submission with an empty honeypot is a lead, so this file skips until the engine lands.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import create_engine, text

from site_app import create_app, triage
from tests.browser.conftest import fill_form
from tests.conftest import test_config, wait_for
from tests.servers import Gunicorn
from tests.smtp import SMTPServer
from tests.wire import text_of


def _engine_landed() -> bool:
    try:
        triage.text_fingerprint("probe")
    except NotImplementedError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not _engine_landed(), reason="needs the triage engine (branch triage-engine): run after merge"
)
PITCH = (
    "Hello, I noticed your website is not ranking on the first page of Google. Our SEO team "
    "can get you 300 high-authority backlinks this month. Details: https://bit.ly/3xSeoDeal"
)


def status_of(folder: Path, name: str) -> str | None:
    engine = create_engine(f"sqlite:///{folder / 'site.db'}")
    try:
        with engine.connect() as connection:
            found: str | None = connection.scalar(
                text("SELECT status FROM inquiries WHERE name = :name"), {"name": name}
            )
            return found
    finally:
        engine.dispose()


def send_patiently(page: Page, site: Gunicorn, name: str, email: str, message: str) -> None:
    page.goto(f"{site.url}/contact")
    time.sleep(5)  # waits out the time trap; leaves the hidden field empty
    fill_form(page, name, email, "Other", message)
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/contact/thanks")


def test_a_patient_bot_is_held_and_listed_and_a_person_with_a_link_is_a_lead(
    new_page: Callable[..., Page],
    site: Gunicorn,
    site_folder: Path,
    site_smtp: SMTPServer,
    tmp_path: Path,
) -> None:
    bot, person = f"SEO Team {uuid.uuid4().hex[:6]}", f"Ines Duarte {uuid.uuid4().hex[:6]}"
    send_patiently(new_page(), site, bot, "seo.growth.team@example.com", PITCH)
    own_site = (
        "We run a small bakery (https://ines-bakery.example.com). Could a chatbot take orders?"
    )
    send_patiently(new_page(), site, person, "ines@example.com", own_site)
    wait_for(lambda: status_of(site_folder, person) == "delivered", what="the person's lead")
    assert status_of(site_folder, bot) in ("held", "spam")
    assert not [m for m in site_smtp.messages() if bot in str(m["Subject"])]  # no lead e-mail
    if status_of(site_folder, bot) == "held":
        ops = create_app(
            test_config(
                tmp_path, site_smtp.port, DATABASE_URL=f"sqlite:///{site_folder / 'site.db'}"
            )
        )
        assert "digest" in ops.test_cli_runner().invoke(args=["outbox", "digest"]).output
        digests = [m for m in site_smtp.messages() if "held" in str(m["Subject"]).lower()]
        assert any(bot in text_of(m) for m in digests)
