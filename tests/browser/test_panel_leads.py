"""The chat panel in Chromium turning questions into leads: votes, follow-ups, the inquiry
sent from inside the panel (the page's URL never changes), its confirm step, 429 and 503,
and the Chatbot button that covers nothing on narrow phones."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from site_app import create_app
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.pages import running_site
from tests.conftest import test_config, wait_for
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser
WORDS = {
    "Name": "Zoë O’Brien",
    "Email": "zoe@example.com",
}


@pytest.fixture(scope="module")
def strict_site(
    tmp_path_factory: pytest.TempPathFactory, site_smtp: SMTPServer
) -> Iterator[Gunicorn]:
    """Every first Send is "too fast", and one inquiry an hour per address is accepted."""
    folder = tmp_path_factory.mktemp("strict")
    settings = {"CONTACT_MIN_FILL_SECONDS": "3600", "CONTACT_RATE_LIMIT": "1 per hour"}
    with running_site(folder, site_smtp.port, "browser-strict.log", **settings) as server:
        yield server


def open_panel(page: Page) -> Locator:
    page.get_by_role("button", name="Chatbot").click()
    dialog = page.get_by_role("dialog", name="Ask the guide")
    expect(dialog).to_be_visible()
    return dialog


def ask(dialog: Locator, question: str, replies: int) -> Locator:
    """Ask ``question``; the reply is the ``replies``-th of the conversation."""
    dialog.get_by_label("Your question").fill(question)
    dialog.get_by_label("Your question").press("Enter")
    reply = dialog.locator(".chatbot-a").nth(replies - 1)
    expect(reply).to_be_visible()
    return reply


def open_inquiry(dialog: Locator, reply: Locator, question: str) -> Locator:
    reply.get_by_role("button", name="Ask our team").click()
    team = dialog.get_by_role("region", name="Ask our team")
    expect(team.get_by_label("Message", exact=True)).to_have_value(question)
    team.get_by_label("Name", exact=True).fill(WORDS["Name"])
    team.get_by_label("Email", exact=True).fill(WORDS["Email"])
    team.get_by_label("What service do you need?").select_option("Chatbot")
    return team


def words_kept(team: Locator, question: str) -> None:
    for label, value in WORDS.items():
        expect(team.get_by_label(label, exact=True)).to_have_value(value)
    expect(team.get_by_label("Message", exact=True)).to_have_value(question)


def mail_with(smtp: SMTPServer, text: str) -> EmailMessage:
    found: list[EmailMessage] = []

    def arrived() -> bool:
        for mail in smtp.messages():
            part = mail.get_body(preferencelist=("plain",))
            if part is not None and text in str(part.get_content()):
                found.append(mail)
        return bool(found)

    wait_for(arrived, what=f"the inquiry with {text!r} at the relay")
    return found[0]


def test_two_answers_voted_then_the_inquiry_sent_from_the_panel(
    new_page: Callable[..., Page],
    site: Gunicorn,
    site_smtp: SMTPServer,
    site_folder: Path,
    tmp_path: Path,
) -> None:
    page = new_page(width=375)
    page.goto(f"{site.url}/guide/why-do-they-matter")
    url = page.url
    dialog = open_panel(page)
    risks = ask(dialog, "What are the risks?", 1)
    expect(risks.get_by_role("link", name="Challenges and Concerns")).to_be_visible()
    risks.get_by_role("button", name="No").click()
    expect(risks.get_by_role("status")).to_have_text("Thank you for telling us.")
    next_ = ask(dialog, "What's next?", 2)
    next_.get_by_role("button", name="Yes").click()
    expect(next_.get_by_role("status")).to_have_text("Thank you for telling us.")
    count, report = axe_violations(page, unjudged_counts=False)
    assert count == 0, report  # the panel open, a vote given
    # Follow-ups are questions from sections not yet shown; one asks itself.
    followups = next_.locator(".chatbot-followup")
    assert 1 <= followups.count() <= 3
    assert "What are the risks?" not in followups.all_inner_texts()
    question = f"How much would a chatbot for our shop {uuid.uuid4().hex[:8]} cost?"
    handoff = ask(dialog, question, 3)
    expect(handoff).to_contain_text("The guide has no good answer to that.")
    team = open_inquiry(dialog, handoff, question)
    count, report = axe_violations(page, unjudged_counts=False)
    screenshot(page, "panel-inquiry-375")
    assert count == 0, report  # the panel's form showing
    team.get_by_role("button", name="Send").click()
    expect(team.get_by_role("heading", name="Thank you, your message is with us")).to_be_focused()
    assert page.url == url
    mail = mail_with(site_smtp, question)
    plain = str(mail.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    html = str(mail.get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]
    for text in (plain, html):
        for asked in (
            "What are the risks?",
            "What&#39;s next?" if text is html else "What's next?",
        ):
            assert asked in text
    assert "Sent from the chat panel" in plain
    app = create_app(test_config(tmp_path, 1, DATABASE_URL=f"sqlite:///{site_folder / 'site.db'}"))
    report = app.test_cli_runner().invoke(args=["ask", "report"]).output
    rows = report.split("answers visitors said did not help:")[1].splitlines()
    assert any("challenges-and-concerns" in r and r.endswith("what are the risks") for r in rows)


def test_a_follow_up_button_asks_its_question(
    new_page: Callable[..., Page], site: Gunicorn
) -> None:
    page = new_page(width=320)
    page.goto(site.url + "/")
    dialog = open_panel(page)
    reply = ask(dialog, "What are the risks?", 1)
    first = reply.locator(".chatbot-followup").first
    question = first.inner_text()
    first.click()
    expect(dialog.locator(".chatbot-q").nth(1)).to_have_text(question)
    expect(dialog.locator(".chatbot-a").nth(1).get_by_role("button", name="Yes")).to_be_visible()


def test_suggestions_are_shown_when_the_answer_has_them(
    new_page: Callable[..., Page], site: Gunicorn
) -> None:
    """The ranking engine may add "suggestions" (closest sections when unsure): shown as links."""
    page = new_page(width=375)
    suggestions = [{"title": "Benefits of Foundation Models", "url": "/guide/benefits"}]

    def unsure(route: Route) -> None:
        body = route.fetch().json()
        route.fulfill(json={**body, "suggestions": suggestions})

    page.route("**/ask?q=*", unsure)
    page.goto(site.url + "/")
    dialog = open_panel(page)
    reply = ask(dialog, "What are your prices?", 1)
    expect(reply).to_contain_text("Closest in the guide:")
    expect(reply.get_by_role("link", name="Benefits of Foundation Models")).to_have_attribute(
        "href", "/guide/benefits"
    )


def test_too_fast_then_429_inside_the_panel_keep_every_word(
    new_page: Callable[..., Page], strict_site: Gunicorn, site_smtp: SMTPServer
) -> None:
    page = new_page(width=375)
    page.goto(strict_site.url + "/")
    url = page.url
    dialog = open_panel(page)
    question = f"Do you train models on our data {uuid.uuid4().hex[:8]}?"
    team = open_inquiry(dialog, ask(dialog, question, 1), question)
    team.get_by_role("button", name="Send").click()
    expect(team.get_by_role("alert")).to_contain_text("Please check your message")
    words_kept(team, question)
    team.get_by_role("button", name="Send").click()
    expect(team.get_by_role("heading", name="Thank you, your message is with us")).to_be_visible()
    mail_with(site_smtp, question)
    # A second inquiry from the same address within the hour: 429, words kept in the panel.
    second = f"And a second question {uuid.uuid4().hex[:8]}?"
    team = open_inquiry(dialog, ask(dialog, second, 2), second)
    team.get_by_role("button", name="Send").click()
    expect(team.get_by_role("alert")).to_contain_text("Please check your message")
    team.get_by_role("button", name="Send").click()
    expect(team.get_by_role("alert")).to_contain_text("several messages from your network")
    expect(team.get_by_role("link", name="Send it to us by email")).to_have_attribute(
        "href", re.compile("^mailto:")
    )
    words_kept(team, second)
    count, report = axe_violations(page, unjudged_counts=False)
    screenshot(page, "panel-inquiry-429-375")
    assert count == 0, report
    assert page.url == url


def test_a_database_outage_inside_the_panel_keeps_every_word(
    new_page: Callable[..., Page], read_only_site: Gunicorn
) -> None:
    page = new_page(width=320, color_scheme="dark")
    page.goto(read_only_site.url + "/guide/real-world-applications")
    url = page.url
    dialog = open_panel(page)
    question = "What does a custom model cost?"
    team = open_inquiry(dialog, ask(dialog, question, 1), question)
    team.get_by_role("button", name="Send").click()
    expect(team.get_by_role("alert")).to_contain_text("Nothing was sent")
    words_kept(team, question)
    expect(team.get_by_role("link", name="Send your message to us by email")).to_be_visible()
    count, report = axe_violations(page, unjudged_counts=False)
    assert count == 0, report
    assert page.url == url


def test_without_javascript_vote_on_the_page_then_ask_our_team(
    new_page: Callable[..., Page], site: Gunicorn
) -> None:
    page = new_page(js=False)
    page.goto(site.url + "/ask?q=What+are+the+risks%3F")
    expect(page.get_by_text("Did this answer your question?")).to_be_visible()
    page.get_by_role("button", name="No").click()
    page.wait_for_url("**/ask?q=*voted=counted*")
    expect(page.get_by_role("status")).to_have_text("Thank you for telling us.")
    expect(page.get_by_role("link", name="Challenges and Concerns")).to_be_visible()
    page.get_by_role("link", name="Ask our team").click()
    page.wait_for_url("**/contact?question=*")
    expect(page.get_by_label("Message", exact=True)).to_have_value("What are the risks?")


# Every scroll position: half a screen at a time, top to bottom.
OVERLAPS = """() => {
  const button = document.querySelector('.chatbot-open');
  if (!button || button.hidden) return ['no button'];
  const b = button.getBoundingClientRect();
  const hits = [];
  for (const n of document.querySelectorAll('a[href], button, input, select, textarea')) {
    if (n === button || n.closest('dialog') || n.type === 'hidden' || n.closest('.hp')) continue;
    for (const r of n.getClientRects()) {
      if (r.right > b.left && r.left < b.right && r.bottom > b.top && r.top < b.bottom)
        hits.push(n.outerHTML.slice(0, 80));
    }
  }
  return hits;
}"""


@pytest.mark.parametrize("width", [320, 375])
@pytest.mark.parametrize(
    "path", ["/", "/guide/challenges-and-concerns", "/ask?q=What+are+the+risks%3F", "/contact"]
)
def test_the_chatbot_button_covers_nothing_at_any_scroll_position(
    new_page: Callable[..., Page], site: Gunicorn, path: str, width: int
) -> None:
    page = new_page(width=width)
    page.goto(site.url + path)
    page.wait_for_load_state("load")
    if path == "/contact":
        # After "load" the deferred script has run: it adds no button here.
        expect(page.get_by_role("button", name="Chatbot")).to_have_count(0)
        return
    expect(page.get_by_role("button", name="Chatbot")).to_be_visible()
    height, step = page.evaluate("[document.scrollingElement.scrollHeight, innerHeight / 2]")
    y = 0
    while True:
        page.evaluate(f"window.scrollTo(0, {y})")
        assert page.evaluate(OVERLAPS) == [], f"{path} at {width} px, scrolled to {y}"
        if y >= height:
            break
        y += step
