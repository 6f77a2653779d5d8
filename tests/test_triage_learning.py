"""Triage learns from sales: Deliver and "This is spam" (the signed links, or the command
line) teach it, a learner refits the model off the request path, and the next visitor's
text close to a decided one is judged as sales judged it. Through the real form, a real
relay and the links in the e-mails sales receive."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select, text

from site_app import metrics
from site_app.extensions import db
from site_app.outbox.models import GENUINE, HELD, PENDING, SPAM, Inquiry
from site_app.teaching import examples, loop
from site_app.teaching.models import Refit
from site_app.triage import engine, learned, training
from site_app.triage.taught import Decided, Neighbours, shingles
from tests.conftest import deliver, judge, submit, wait_for
from tests.http import send_inquiry
from tests.pg import PostgresCluster
from tests.smtp import SMTPServer
from tests.test_multihost import database, site_env, two_hosts
from tests.test_triage_flow import CSRF, digest_now, links_in, path, press, rows
from tests.wire import text_of

CASINO = (
    "Good morning, I work for an MGA-licensed online casino operator based in Malta. We're "
    "looking into an AI agent for first-line player support (bonus terms, deposit and "
    "withdrawal status, account verification). The agent must recognise signs of problem "
    "gambling and route to a trained human, and never mention promotions to self-excluded "
    "players. Is this something your team would take on?"
)
# Another operator, its own words around the same need.
CASINO_AGAIN = (
    "Hello, I work for a licensed online casino operator based in Gibraltar. We're looking "
    "into an AI agent for first-line player support (bonus terms, deposit and withdrawal "
    "status, account verification). The agent must recognise signs of problem gambling and "
    "route to a trained human. Is this something your team would take on?"
)
PITCH = (
    "Hello, I run a small photography studio in Braga. I would love to talk about headshots "
    "of your people for the website. Could we have a short call next week?"
)
PITCH_AGAIN = (
    "Hi there, I run a small photography studio in Lisbon. I would love to talk about "
    "headshots of your people for the website. Could we have a short call this week?"
)


def learn(app: Flask, owner: str = "test") -> None:
    """One poll of the learner, as the thread in each worker makes every few seconds."""
    with app.app_context():
        loop.learn_due(owner, 0, 0, threading.Event())


def newest(app: Flask) -> Inquiry:
    """The last inquiry stored, once a sender's pass has judged it."""
    judge(app)
    return rows(app)[-1]


def test_a_reworded_copy_shares_most_triples_and_a_same_topic_text_few() -> None:
    near = Neighbours.of([Decided(True, CASINO)])
    again = near.nearest(CASINO_AGAIN)
    assert again is not None and again.genuine and again.similarity >= 0.5
    other = near.nearest("We run an online casino and want a chatbot for our players.")
    assert other is None or other.similarity < 0.2
    assert shingles("Hi") == frozenset({"hi"}) and not shingles("!!")


def test_one_decision_moves_only_the_features_it_contains() -> None:
    base = learned.load_model()
    corpus = training.shipped_examples()
    text = "zebrafish aquarium kits zebrafish aquarium kits for your office lobby"
    moved = training.refine(base, corpus, [(True, text), (True, text)], [3.0, 3.0])
    assert moved.prior == 0 and set(moved.weights) <= learned.features(text)
    assert "zebrafish" in moved.weights and "#<the" not in moved.weights  # common: never
    assert moved.log_odds("Could you build a chatbot for our dental clinic?") == 0
    assert moved.log_odds(text) > 0.5


def test_what_sales_found_in_both_kinds_is_not_moved() -> None:
    """A word in a delivered inquiry and in a marked pitch says nothing of either: the
    refit moves it neither way (round ten: a refit that moved such words let one more
    spam message of another writer through)."""
    base = learned.load_model()
    corpus = training.shipped_examples()
    pitch = "zebrafish aquarium kits for your office lobby, quokka discount this week"
    other = "zebrafish aquarium kits for hotels, quokka bundle pricing inside"
    inquiry = "we keep zebrafish in our lab: could a chatbot answer quokka visitors' questions?"
    decided = [(True, pitch), (True, other), (False, inquiry)]
    moved = training.refine(base, corpus, decided, [3.0, 3.0, 3.0])
    assert "zebrafish" not in moved.weights and "quokka" not in moved.weights  # both kinds
    assert moved.weights["aquarium kits"] > 0  # in two pitches, never in the inquiry


def test_a_decider_and_a_sender_count_within_their_bounds() -> None:
    one_decider = [
        examples.Decision(True, f"pitch {i}", f"s{i}@example.com", "link:x") for i in range(100)
    ]
    weights = [e.weight for e in examples.weigh(one_decider)]
    assert sum(weights) == examples.SITE_WEIGHT * examples.PER_DECIDER
    one_sender = [examples.Decision(True, f"p {i}", "Bot@Example.com", f"d{i}") for i in range(9)]
    assert sum(e.weight for e in examples.weigh(one_sender)) == examples.SITE_WEIGHT


def test_delivered_from_the_digest_then_the_same_need_from_someone_else_is_a_lead(
    app: Flask, smtp: SMTPServer
) -> None:
    client = app.test_client()
    submit(client, name="Luca Azzopardi", email="luca@bluebay.com.mt", message=CASINO)
    assert newest(app).status == HELD
    learn(app)  # nothing decided yet: nothing learned
    submit(client, name="Sara Vella", email="sara@rockbet.gi", message=CASINO_AGAIN)
    assert newest(app).status == HELD, "held before sales taught it otherwise"
    digest_now(app)
    digest = text_of(smtp.messages()[0])
    link = links_in(digest, "deliver")[digest.index("Luca") > digest.index("Sara")]
    press(app.test_client(), link)
    assert [i.label for i in rows(app)] == [GENUINE, None]
    learn(app)
    submit(client, name="Marco Borg", email="marco@tritonplay.com", message=CASINO_AGAIN)
    third = newest(app)
    assert third.status == PENDING, third.reasons
    assert any("sales delivered on this site" in r for r in third.reasons or [])
    # The same text as the delivered one, from yet another sender: a lead at once.
    submit(client, name="Ana Camilleri", email="ana@example.com", message=CASINO)
    assert newest(app).status == PENDING


def test_marked_as_spam_then_a_reworded_copy_is_held(app: Flask, smtp: SMTPServer) -> None:
    submit(app.test_client(), message=PITCH)
    assert newest(app).status == PENDING and deliver(app) == 1
    [link] = links_in(text_of(smtp.messages()[0]), "spam")
    press(app.test_client(), link)
    learn(app)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.80"
    submit(other, name="Rita Sousa", email="rita@studio-lx.pt", message=PITCH_AGAIN)
    held = newest(app)
    assert held.status in (HELD, SPAM)
    assert any("marked as spam on this site" in r for r in held.reasons or [])


def test_the_command_says_what_it_learned_and_forgetting_a_person_unlearns(
    app: Flask, smtp: SMTPServer
) -> None:
    runner = app.test_cli_runner()
    said = runner.invoke(args=["triage", "learned"]).output
    assert "0 genuine (delivered), 0 spam (marked)" in said and "never" in said
    submit(app.test_client(), name="Luca", email="luca@bluebay.com.mt", message=CASINO)
    submit(app.test_client(), message=PITCH)
    judge(app)
    first, second = (i.id for i in rows(app))
    assert "released 1" in runner.invoke(args=["outbox", "release", str(first)]).output
    assert "marked 1" in runner.invoke(args=["outbox", "mark-spam", str(second)]).output
    refits = metrics.TRIAGE_REFITS.labels("fitted")._value.get()
    learn(app)
    assert metrics.TRIAGE_REFITS.labels("fitted")._value.get() == refits + 1
    said = runner.invoke(args=["triage", "learned"]).output
    assert "1 genuine (delivered), 1 spam (marked), from 1 deciders" in said
    assert "last refit:" in said and "from 1 genuine and 1 spam" in said
    # One decision of each: no word recurs in two decisions, so the model moves nothing
    # (what a refit moves must recur); the texts themselves are learned as neighbours.
    assert "features it moved: 0" in said and "spam decisions' mean log odds" in said
    forgot = runner.invoke(args=["outbox", "forget", "--email", "luca@bluebay.com.mt"])
    assert "forgot 1 inquiry" in forgot.output
    learn(app)
    said = runner.invoke(args=["triage", "learned"]).output
    assert "0 genuine (delivered), 1 spam (marked)" in said
    assert engine.lessons().genuine == 0 and engine.lessons().spam == 1


def test_one_address_marking_a_hundred_stays_within_its_bound(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    """A hundred genuine inquiries marked as spam from one address (a leaked digest, a
    mistaken script): the ordinary genuine inquiries that follow still reach the inbox."""
    app = make_app()
    prospects = [
        f"We run {n} dental clinics and want a chatbot that books appointments and answers "
        f"questions about prices. Could you send a quote for clinic number {n}?"
        for n in range(100)
    ]
    for n, message in enumerate(prospects):
        submit(app.test_client(), email=f"p{n}@example.com", message=message)
    assert deliver(app) == 100
    marker = app.test_client()
    marker.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    for mail in smtp.messages():
        [link] = links_in(text_of(mail), "spam")
        press(marker, link)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Inquiry.label == SPAM)) == 100
        weights = [e.weight for e in examples.load()]
        assert sum(weights) <= examples.SITE_WEIGHT * examples.PER_DECIDER + 1e-6
    learn(app)
    said = app.test_cli_runner().invoke(args=["triage", "learned"]).output
    assert "100 spam (marked), from 1 deciders" in said
    assert f"their weight {examples.SITE_WEIGHT * examples.PER_DECIDER}" in said
    assert "moved most: " in said
    strangers = [
        "Could you build a chatbot for our physiotherapy practice? How much would it cost?",
        "We want an agent that reads supplier invoices into Xero. Is that something you do?",
        "Hello, we are a law firm and need a quote for a document assistant.",
    ]
    for n, message in enumerate(strangers):
        submit(app.test_client(), email=f"s{n}@example.org", message=message)
        assert newest(app).status == PENDING, newest(app).reasons


def statuses(url: str) -> list[str]:
    with database(url) as engine, engine.connect() as connection:
        return list(connection.execute(text("SELECT status FROM inquiries ORDER BY id")).scalars())


def unjudged(url: str) -> int:
    with database(url) as engine, engine.connect() as connection:
        query = text("SELECT count(*) FROM inquiries WHERE unjudged IS NOT NULL")
        return int(connection.execute(query).scalar() or 0)


def test_two_learners_fit_once_and_both_judge_alike(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    app = make_app()
    submit(app.test_client(), message=PITCH)
    with app.app_context():
        from site_app.outbox import corrections

        assert corrections.mark_spam(rows(app)[0].id, "cli")
    learn(app, "host-a")
    fitted = engine.lessons()
    loop.forget()  # another worker: it has learned nothing yet
    learn(app, "host-b")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Refit)) == 1
    assert engine.lessons().refit == fitted.refit and engine.lessons().model == fitted.model


@pytest.mark.slow
def test_two_gunicorn_hosts_on_postgresql_learn_a_decision_with_no_command(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    """Sales deliver a held inquiry from the digest on one host; within a minute every
    worker of both hosts lets the same need, in another's words, through, after one refit."""
    url = postgres.create_database("learn")
    # No weekly report: on Mondays last week's, holding the inquiry dated two days back, would
    # be the relay's first message instead of the digest.
    with (
        SMTPServer() as relay,
        two_hosts(site_env(url, relay, REPORT_EVERY="off"), tmp_path) as (a, b),
    ):
        assert send_inquiry(a.url, name="Luca", email="luca@bluebay.com.mt", message=CASINO) == 303
        wait_for(lambda: statuses(url) == [HELD], what="a sender to judge it")
        with database(url) as engine, engine.begin() as connection:
            connection.execute(
                text("UPDATE inquiries SET created_at = created_at - interval '2 days'")
            )
        wait_for(lambda: len(relay.messages()) >= 1, timeout=60, what="the digest")
        [link] = links_in(text_of(relay.messages()[0]), "deliver")
        session = requests.Session()
        page = session.get(b.url + path(link), timeout=30)
        token = CSRF.search(page.text)[1]  # type: ignore[index]
        assert (
            "Triage learns from this"
            in session.post(b.url + path(link), {"csrf_token": token}, timeout=30).text
        )
        started = time.monotonic()

        def fitted() -> bool:
            with database(url) as engine, engine.connect() as connection:
                query = "SELECT count(*) FROM triage_refits WHERE finished_at IS NOT NULL"
                return bool(connection.execute(text(query)).scalar())

        wait_for(fitted, timeout=60, what="the refit")
        time.sleep(2)  # four polls of every learner: each loads what the one fit stored
        for n, host in enumerate((a, b, a, b, a, b)):
            name, email = f"Operator {n}", f"ops{n}@casino{n}.com"
            assert send_inquiry(host.url, name=name, email=email, message=CASINO_AGAIN) == 303
        learned_in = time.monotonic() - started
        wait_for(lambda: not unjudged(url), what="the senders to judge them")
        states = statuses(url)
        with database(url) as engine, engine.connect() as connection:
            refits = connection.execute(text("SELECT count(*) FROM triage_refits")).scalar()
        assert len(states) == 7 and HELD not in states[1:], states
        assert refits == 1 and learned_in < 60
