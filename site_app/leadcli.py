"""Data for the sales team: ``flask outbox export`` and ``flask outbox forget``.

Also the per-destination lines that ``flask outbox status`` and ``list`` print.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, func, select

from site_app.database import needs_schema
from site_app.extensions import db
from site_app.outbox import deliveries
from site_app.outbox.models import (
    CONTEXT_LABELS,
    SPAM,
    WEBHOOK,
    Delivery,
    Inquiry,
    SpamMark,
    db_now,
)

COLUMNS = ("id", "created_at", "status", "name", "email", "service", "message", *CONTEXT_LABELS)
# A spreadsheet runs a cell starting with one of these as a formula (also full-width forms).
_FORMULA_START = tuple("=+-@\t\r\n＝＋－＠")


def neutralise(value: str) -> str:
    """Make a cell plain text for Excel, LibreOffice and Google Sheets: a leading '."""
    return "'" + value if value.lstrip(" ").startswith(_FORMULA_START) else value


def _records(since: datetime | None) -> Iterator[dict[str, Any]]:
    query = select(Inquiry).where(Inquiry.status != SPAM).order_by(Inquiry.id)
    if since is not None:
        query = query.where(Inquiry.created_at >= since)
    for inquiry in db.session.scalars(query.execution_options(yield_per=500)):
        yield {
            "id": inquiry.id,
            "created_at": inquiry.created_at.isoformat(timespec="seconds") + "Z",
            "status": inquiry.status,
            "name": inquiry.name,
            "email": inquiry.email,
            "service": inquiry.service,
            "message": inquiry.message,
            "context": dict(inquiry.context or {}),
        }


@click.command("export")
@with_appcontext
@click.option("--format", "format_", type=click.Choice(["csv", "json"]), default="csv")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only inquiries stored from this date or time on (UTC).",
)
@needs_schema
def export(format_: str, since: datetime | None) -> None:
    """Inquiries (held ones too, not spam) with their lead context, to stdout, for a CRM
    import."""
    records = _records(since)
    if format_ == "json":
        json.dump(list(records), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    writer = csv.writer(sys.stdout, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        context = record.pop("context")
        # One cell per key: the panel's questions one a line.
        flat = {
            **record,
            **{k: "\n".join(v) if isinstance(v, list) else v for k, v in context.items()},
        }
        writer.writerow(
            [neutralise(v) if isinstance(v := flat.get(c, ""), str) else v for c in COLUMNS]
        )


@click.command("forget")
@with_appcontext
@click.option("--email", required=True, help="The person's address (any letter case).")
@needs_schema
def forget(email: str) -> None:
    """Erase every inquiry from this address, whatever its state (held and spam too), with
    its deliveries and the spam marks it left."""
    mine = select(Inquiry.id).where(func.lower(Inquiry.email) == email.strip().lower())
    db.session.execute(delete(Delivery).where(Delivery.inquiry_id.in_(mine)))
    db.session.execute(delete(SpamMark).where(SpamMark.inquiry_id.in_(mine)))
    result = db.session.execute(delete(Inquiry).where(Inquiry.id.in_(mine)))
    db.session.commit()
    count = int(result.rowcount)  # type: ignore[attr-defined]
    click.echo(f"forgot {count} {'inquiry' if count == 1 else 'inquiries'} from {email}")


def destination_status() -> None:
    """The webhook's lines under ``flask outbox status`` (when there is one)."""
    found = deliveries.counts(WEBHOOK)
    if not any(found.values()) and not current_app.config["WEBHOOK_URL"]:
        return
    click.echo("")
    for state, count in found.items():
        click.echo(f"webhook {state:<10} {count}")
    oldest = deliveries.oldest_pending(WEBHOOK)
    age = "-" if oldest is None else f"{round((db_now() - oldest).total_seconds())} s"
    click.echo(f"webhook oldest pending: {age}")
    click.echo(f"webhook last error: {deliveries.last_error(WEBHOOK) or '-'}")


def delivery_note(delivery: Delivery) -> str:
    error = f", {delivery.last_error}" if delivery.last_error else ""
    return f" | {delivery.destination}: {delivery.status} tries={delivery.attempts}{error}"
