"""``flask report``: how the guide did, printed, as JSON, or mailed."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from site_app.database import needs_schema
from site_app.outbox.models import utcnow
from site_app.report import figures, mail, render


@click.command("report")
@click.option(
    "--days", default=7, show_default=True, type=click.IntRange(1, 400), help="Days up to today."
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--send", is_flag=True, help="Mail it to REPORT_TO now (the senders retry it).")
@with_appcontext
@needs_schema
def report(days: int, as_json: bool, send: bool) -> None:
    """Views, visitors, sources, the assistant and inquiries over the last days (UTC), today
    included."""
    last = utcnow().date()
    first = last - timedelta(days=days - 1)
    shown = figures.build(first, last)
    if as_json:
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        click.echo(
            render_template(
                "email/report.txt",
                report=shown,
                chart=render.chart(shown),
                conversion=render.conversion,
            )
        )
    if send:
        made = mail.create_now(first, last)
        sent = mail.send_due("flask-report", current_app.config["OUTBOX_LEASE_SECONDS"])
        outcome = "sent" if sent else "stored; the senders retry it (see the log)"
        click.echo(f"report {made.id} to {made.recipient}: {outcome}", err=True)
