"""Ops commands: ``flask outbox ...``."""

from __future__ import annotations

import re
import signal
import threading
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from site_app import leadcli, teaching, triagecli, visits, webhooks
from site_app.assistant import unanswered, votes, withdrawn
from site_app.contact import ratelimit
from site_app.database import needs_schema
from site_app.extensions import db
from site_app.mailcheck import mail_group
from site_app.outbox import corrections, deliveries, store, worker
from site_app.outbox.models import STATES, Inquiry, db_now, utcnow

outbox = AppGroup("outbox", help="Inspect and drive the inquiry outbox.")
_AGE = re.compile(r"^(\d+)([dhm])$")


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox)
    app.cli.add_command(mail_group)
    outbox.add_command(leadcli.export)
    outbox.add_command(leadcli.forget)
    outbox.add_command(triagecli.release)
    outbox.add_command(triagecli.mark_spam)
    outbox.add_command(triagecli.send_digest)


@outbox.command("status")
@needs_schema
def status() -> None:
    """Counts by state, the oldest pending inquiry's age and the last error."""
    for state, count in store.counts().items():
        click.echo(f"{state:<10} {count}")
    oldest = store.oldest_pending()
    age = "-" if oldest is None else f"{round((db_now() - oldest).total_seconds())} s"
    click.echo(f"oldest pending: {age}")
    click.echo(f"last error: {store.last_error() or '-'}")
    leadcli.destination_status()


@outbox.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only inquiries in this state.")
@click.option("--limit", default=50, show_default=True)
@needs_schema
def list_(state: str | None, limit: int) -> None:
    """The newest inquiries, one line each (no message text)."""
    query = select(Inquiry).order_by(Inquiry.id.desc()).limit(limit)
    if state:
        query = query.where(Inquiry.status == state)
    found = list(db.session.scalars(query))
    others = deliveries.of([i.id for i in found])
    for i in found:
        click.echo(
            f"{i.id:>6} {i.status:<9} {i.created_at:%Y-%m-%d %H:%M} tries={i.attempts} "
            f"{i.service} | {i.email} | {i.last_error or '; '.join(i.reasons or ())}".rstrip(" |")
            + "".join(leadcli.delivery_note(d) for d in others.get(i.id, []))
        )


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--failed", is_flag=True, help="Retry every failed inquiry.")
@needs_schema
def retry(ids: tuple[int, ...], failed: bool) -> None:
    """Queue inquiries again, now: the ids given, or all failed ones with --failed."""
    if not ids and not failed:
        raise click.UsageError("name inquiry ids or pass --failed")
    click.echo(f"queued {store.retry(list(ids) or None)} inquiries")
    hooks = deliveries.retry(list(ids) or None)
    if hooks or current_app.config["WEBHOOK_URL"]:
        click.echo(f"queued {hooks} webhook deliveries")


@outbox.command("purge")
@click.option("--older-than", "older_than", required=True, help="Age such as 90d, 12h or 30m.")
@needs_schema
def purge(older_than: str) -> None:
    """Delete delivered, held and spam inquiries older than the age given, expired rate-limit
    hits, unanswered assistant questions and answers' votes nobody added to for that long,
    spam marks older than 90 days, and page counts older than 13 months."""
    match = _AGE.match(older_than)
    if not match:
        raise click.BadParameter("use a number and d, h or m, e.g. 90d", param_hint="--older-than")
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
    age = timedelta(**{unit: int(match[1])})
    removed = store.purge(age)
    click.echo(f"purged {removed} delivered, held or spam inquiries older than {older_than}")
    click.echo(f"forgot {ratelimit.forget_expired()} expired rate-limit hits")
    deliveries.forget_orphans()
    click.echo(f"forgot {unanswered.purge(age)} unanswered assistant questions")
    click.echo(f"forgot {votes.purge(age)} assistant answers' votes")
    click.echo(f"forgot {withdrawn.purge(age)} visitors' votes on answers")
    click.echo(f"forgot {corrections.forget_marks()} spam marks older than 90 days")
    click.echo(f"forgot {visits.purge(utcnow().date())} page counts older than 13 months")


@outbox.command("worker")
def run_worker() -> None:
    """Run a sender in the foreground until SIGTERM or Ctrl-C."""
    stop = threading.Event()

    def _stop(*_: object) -> None:
        stop.set()
        worker.wake_sender()

    if current_app.config["METRICS_BIND"]:  # a sender on its own serves its counts too
        from site_app.metrics.server import serve_here

        serve_here(current_app._get_current_object())  # type: ignore[attr-defined]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    webhooks.start_thread(app)  # with WEBHOOK_URL: beside the mail, never waiting
    teaching.start_thread(app)  # this sender judges: with what sales taught the site
    worker.run(app, stop)
    # The webhook sender, too, finishes the post in hand and hands the rest of its batch back.
    worker.stop_threads(timeout=app.config["WEBHOOK_TIMEOUT"] + 5)
