"""The guide assistant through the app: answers, hand-offs, JSON, and what is kept."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from site_app.assistant import unanswered
from site_app.assistant.answer import answer, route
from site_app.assistant.index import GuideIndex
from site_app.assistant.unanswered import UnansweredQuestion
from site_app.extensions import db
from site_app.guide.content import CONTENT_FILE, load_guide
from site_app.outbox.models import utcnow
from tests.assistant_quality import DOUBT_ONLY, GOALS, NEVER_TUNED, load_questions, score
from tests.conftest import GOOD, deliver, form_tokens
from tests.smtp import SMTPServer

JSON = {"Accept": "application/json"}


def ask(client: FlaskClient, question: str) -> dict[str, object]:
    response = client.get("/ask", query_string={"q": question}, headers=JSON)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert isinstance(data, dict)
    return data


def test_json_answers_best_first_with_section_links(client: FlaskClient) -> None:
    data = ask(client, "What are the risks?")
    assert set(data) == {
        "question",
        "answered",
        "answers",
        "contact_url",
        "suggestions",
        "followups",
        "vote",
    }
    assert data["suggestions"] == []  # answered: nothing to suggest
    assert data["question"] == "What are the risks?" and data["answered"] is True
    first = data["answers"][0]  # type: ignore[index]
    assert first["url"] == "/guide/challenges-and-concerns"
    assert first["title"] == "Challenges and Concerns"
    assert first["text"].startswith("Despite their promise")
    assert data["contact_url"] == "/contact?question=What+are+the+risks?"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who built CLIP?", "names of people or firms"),
        ("What year did GPT come out?", "dates"),
        ("How many parameters does BERT have?", "figures"),
        ("What does BERT stand for?", "expansions of names"),
        ("How do I install CLIP?", "steps to follow"),
        ("Which dataset was GPT trained on?", "product details"),
    ],
)
def test_look_alikes_are_handed_off_with_the_closest_sections(
    client: FlaskClient, question: str, kind: str
) -> None:
    data = ask(client, question)
    assert data["answered"] is False and data["answers"] == []
    suggestions = data["suggestions"]
    assert isinstance(suggestions, list) and 1 <= len(suggestions) <= 2
    section_1 = {"title": "What Are Foundation Models?", "url": "/guide/what-are-foundation-models"}
    assert section_1 in suggestions
    page = client.get("/ask", query_string={"q": question}).get_data(as_text=True)
    assert f"it gives no {kind}" in page
    assert "Closest in the guide" in page and "Ask our team</a>" in page
    assert '<a href="/guide/what-are-foundation-models">What Are Foundation Models?</a>' in page


def test_nothing_close_suggests_nothing(client: FlaskClient) -> None:
    data = ask(client, "asdfgh qwerty")
    assert data["answered"] is False and data["suggestions"] == []
    page = client.get("/ask?q=asdfgh+qwerty").get_data(as_text=True)
    assert "Closest in the guide" not in page and "Ask our team</a>" in page


def test_contact_questions_get_the_contact_details(client: FlaskClient) -> None:
    guide = load_guide()
    for question in ("How can I contact you?", "What's your phone number?"):
        [answer] = ask(client, question)["answers"]  # type: ignore[misc]
        assert answer["url"] == "/contact"
        assert guide.phone in answer["text"] and guide.email in answer["text"]
    page = client.get("/ask?q=What+is+your+email+address%3F").get_data(as_text=True)
    assert f'href="mailto:{guide.email}"' in page and f'href="{guide.phone_uri}"' in page


def test_key_takeaways_answer_summary_questions(client: FlaskClient) -> None:
    [answer] = ask(client, "Give me the summary")["answers"]  # type: ignore[misc]
    assert answer["url"] == "/" and answer["title"] == "Key Takeaways"


def test_page_highlights_the_matching_words_and_links_the_section(client: FlaskClient) -> None:
    response = client.get("/ask?q=Is+the+environmental+impact+big%3F")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    assert '<a href="/guide/challenges-and-concerns">Challenges and Concerns</a>' in page
    assert "<mark>environmental</mark> <mark>impact</mark> from training" in page
    assert 'value="Is the environmental impact big?"' in page  # the question stays in the box


def test_no_good_answer_says_so_and_offers_the_team(client: FlaskClient) -> None:
    data = ask(client, "How much does a chatbot cost?")
    assert data["answered"] is False and data["answers"] == []
    page = client.get("/ask?q=How+much+does+a+chatbot+cost%3F").get_data(as_text=True)
    assert "No good answer in the guide" in page
    assert 'href="/contact?question=How+much+does+a+chatbot+cost?">Ask our team</a>' in page


def test_coverage_decides_with_six_short_sections(client: FlaskClient) -> None:
    """Words every section shares do not make a passage close: most of the question must
    match. Since round nine a far passage is the doubt's to answer, at its lower threshold
    (test_assistant_doubt.py); with the doubt off, the gate alone hands it off."""
    assert ask(client, "foundation models")["answered"] is True
    gate = GuideIndex(load_guide(), doubting=False)
    assert route(gate, "foundation models").far is False
    assert route(gate, "foundation models for baking sourdough bread").far is True
    assert not answer(gate, "foundation models for baking sourdough bread").answered


def assert_contact_details(client: FlaskClient, *questions: str) -> None:
    for question in questions:
        got = ask(client, question)
        assert got["answered"] is True, question
        assert [a["url"] for a in got["answers"]] == ["/contact"], question  # type: ignore[index]


def test_asking_us_to_build_something_gets_the_contact_details(client: FlaskClient) -> None:
    """Issue 25: asking Glissando to work for the visitor is answered with how to reach the
    team, unless it asks for what only the team can say (a price)."""
    assert_contact_details(
        client,
        "Can you build a chatbot for my shop?",
        "we need an AI agent that books appointments, is that something you do?",
        "We'd like to hire you for a workflow automation project",
    )
    assert ask(client, "How much would you charge to build a chatbot?")["answered"] is False
    assert ask(client, "Does Glissando build its own models?")["answered"] is False


def test_asking_to_reach_a_person_gets_the_contact_details(client: FlaskClient) -> None:
    """Issue 25, round seven: a call, a meeting, a quote, a person to call back or to talk to,
    in the visitor's words (these are the brief's kinds, not questions of any part)."""
    assert_contact_details(
        client,
        "could we set up a call next Tuesday?",
        "I'd like a quote for an appointment-booking bot",
        "can somebody from your team ring me back tomorrow",
        "who should I speak to about automating our invoicing?",
        "Quisiera hablar con alguien sobre un chatbot",
        "Wir würden uns gern mit Ihnen treffen",
    )
    # Not a request to reach us: what a model does with meetings, and a price asked for.
    meetings = ask(client, "Can foundation models summarise meetings?")
    assert "/contact" not in [a["url"] for a in meetings["answers"]]  # type: ignore[union-attr]
    assert ask(client, "How much does a quote for a chatbot usually come to?")["answered"] is False


def assert_no_definition(client: FlaskClient, term: str, *questions: str) -> None:
    """Each question is handed off with the closest sections beside "Ask our team", and the
    page asked what ``term`` means says the guide gives no definition of it."""
    for question in questions:
        got = ask(client, question)
        assert got["answered"] is False, question
        assert got["suggestions"], question
    page = client.get("/ask", query_string={"q": f"What is {term}?"})
    assert f"it gives no definition of “{term}”" in page.get_data(as_text=True)


def test_what_a_term_the_guide_only_lists_means_is_handed_off(client: FlaskClient) -> None:
    """Issue 25, round eight: the guide lists terms in passing ("image recognition",
    "frameworks", "personal assistants"); asked what one means, it has no definition to
    give. Asked about a term in its own frame, or about a name it explains in brackets, it
    answers as before. (Terms and wordings from the guide's lists, not from any part.)"""
    assert_no_definition(
        client,
        "language translation",
        "what does image recognition mean?",
        "Define frameworks",
        "what are personal assistants",
        "ok so what is content generation exactly",
    )
    for question, section in (
        ("Can foundation models help with language translation?", "real-world-applications"),
        ("What is BERT?", "what-are-foundation-models"),
        ("What are the benefits?", "benefits-of-foundation-models"),
        ("what are large-scale AI models", "what-are-foundation-models"),  # what it defines
        ("what's next?", "the-future-of-ai-with-foundation-models"),  # one word is no term
    ):
        answers = ask(client, question)["answers"]
        assert answers and answers[0]["url"] == f"/guide/{section}", question  # type: ignore[index]


def test_what_a_term_the_guide_uses_but_never_explains_means_is_handed_off(
    client: FlaskClient,
) -> None:
    """Issue 25, round nine: a term of two words or more, all of them the guide's, that it
    uses in passing outside a list and never explains ("promote transfer learning", "a wide
    range of downstream tasks", "cutting-edge tech stacks"): the guide defines only what
    its definitions' subjects name ("Foundation models are ..."). (Terms from the guide's
    sentences, not from any part.)"""
    assert_no_definition(
        client,
        "broad datasets",
        "what does development efficiency mean",
        "Define broad datasets",
        "what are flexible starting points?",
        "whats a cutting-edge tech stack",
    )


def test_two_questions_in_a_row_get_their_own_answers(client: FlaskClient) -> None:
    first = client.get("/ask?q=What%27s+next%3F").get_data(as_text=True)
    second = client.get("/ask?q=What+are+the+risks%3F").get_data(as_text=True)
    assert "/guide/the-future-of-ai-with-foundation-models" in first
    assert "/guide/challenges-and-concerns" in second
    assert "/guide/the-future-of-ai-with-foundation-models" not in second


def test_tuning_questions_meet_the_goals(app: Flask) -> None:
    """The parts never tuned on are measured by `make bench`, never asserted. Issue 17's
    goals hold on its own tuned parts; the older parts keep issue 11's hand-off goal (0.80)
    and offer the right section for at least 0.92 (the acceptance set's 0.95 is for all)."""
    index = GuideIndex(load_guide())
    tuned = [part for part in load_questions() if part not in NEVER_TUNED + DOUBT_ONLY]
    assert len(tuned) == 21
    for part in tuned:
        written_for_issue_17 = "_meaning" in part or "_blind" in part
        goals = GOALS if written_for_issue_17 else (GOALS[0], 0.92, 0.80)
        right_first, among, handed_off = score(index, load_questions()[part])
        assert right_first >= goals[0], f"{part}: right section first {right_first:.2f}"
        assert among >= goals[1], f"{part}: right section offered {among:.2f}"
        assert handed_off >= goals[2], f"{part}: hand-off {handed_off:.2f}"


def test_editing_the_guide_changes_the_answers(tmp_path: Path) -> None:
    edited = tmp_path / "guide.toml"
    text = CONTENT_FILE.read_text(encoding="utf-8")
    edited.write_text(text.replace("drug discovery", "protein folding"), encoding="utf-8")
    before, after = GuideIndex(load_guide()), GuideIndex(load_guide(edited))
    assert before.search("protein folding") == []
    assert after.search("protein folding")[0].passage.key == "real-world-applications"


def test_hand_off_reaches_sales_with_the_question(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    question = "Can you build a chatbot for our <b>clinic</b> & pharmacy?"
    contact_url = ask(client, question)["contact_url"]
    assert isinstance(contact_url, str)
    assert parse_qs(urlsplit(contact_url).query)["question"] == [question]
    page = client.get(contact_url).get_data(as_text=True)
    assert "our &lt;b&gt;clinic&lt;/b&gt; &amp; pharmacy?</textarea>" in page
    fields = {k: v for k, v in GOOD.items() if k != "message"}
    response = client.post("/contact", data={**form_tokens(page), **fields, "message": question})
    assert response.status_code == 303
    deliver(app)
    [mail] = smtp.messages()
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None and question in str(plain.get_content())
    # The e-mail says the visitor asked the assistant first (from the form's signed stamp).
    assert f"The visitor asked the guide assistant first: {question}" in str(plain.get_content())


def test_unanswered_questions_are_counted_reported_and_purged(
    app: Flask, client: FlaskClient
) -> None:
    for question in ("What are your prices?", "what are your prices", "Are you hiring?"):
        ask(client, question)
    ask(client, "What are the risks?")  # answered: not kept
    runner = app.test_cli_runner()
    report = runner.invoke(args=["ask", "report"]).output.splitlines()
    assert report[1].split()[0] == "2" and report[1].endswith("what are your prices")
    assert report[2].split()[0] == "1" and report[2].endswith("are you hiring")
    assert report[3:] == ["", "no answers voted unhelpful"]
    with app.app_context():
        stale = UnansweredQuestion.text == "are you hiring"
        db.session.execute(
            update(UnansweredQuestion).where(stale).values(last_asked=utcnow() - timedelta(91))
        )
        db.session.commit()
    purged = runner.invoke(args=["outbox", "purge", "--older-than", "90d"]).output
    assert "forgot 1 unanswered assistant questions" in purged
    with app.app_context():
        kept = db.session.scalars(select(UnansweredQuestion.text)).all()
    assert kept == ["what are your prices"]


def test_unanswered_questions_are_bounded(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unanswered, "MAX_ROWS", 3)
    for n in range(6):
        ask(client, f"zzyzx question number {n}")
    ask(client, "zzyzx question number 0")  # one already kept still counts
    with app.app_context():
        rows = db.session.execute(
            select(UnansweredQuestion.text, UnansweredQuestion.asks).order_by("id")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("zzyzx question number 0", 2),
        ("zzyzx question number 1", 1),
        ("zzyzx question number 2", 1),
    ]
    assert app.test_cli_runner().invoke(args=["ask", "report"]).exit_code == 0


@pytest.mark.parametrize("path", ["/", "/guide/why-do-they-matter", "/contact", "/ask?q=x"])
def test_every_page_has_the_search_form_and_a_deferred_script(
    client: FlaskClient, path: str
) -> None:
    page = client.get(path).get_data(as_text=True)
    assert '<form class="site-search" role="search" action="/ask" method="get">' in page
    scripts = re.findall(r"<script[^>]*>", page)
    runnable = [s for s in scripts if "application/ld+json" not in s]
    # The panel's script, deferred, and the count pixel's, async: neither blocks rendering
    assert [s for s in runnable if "/static/assistant." in s and " defer" in s]
    assert len(runnable) == 2 and all(" src=" in s for s in runnable)
    assert all(" defer" in s or " async" in s for s in runnable)
