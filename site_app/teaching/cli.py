"""``flask triage learned``: what triage learned from sales' decisions."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from site_app.database import needs_schema
from site_app.extensions import db
from site_app.outbox.models import Inquiry
from site_app.teaching import examples
from site_app.teaching.models import Refit

triage_group = AppGroup("triage", help="What triage learned from sales' decisions.")


@triage_group.command("learned")
@needs_schema
def learned() -> None:
    """The decisions triage learns from, its last refit and what that changed."""
    counts = dict(
        db.session.execute(
            select(Inquiry.label, func.count(Inquiry.id))
            .where(Inquiry.label.is_not(None))
            .group_by(Inquiry.label)
        ).all()
    )
    deciders = db.session.scalar(
        select(func.count(func.distinct(Inquiry.labelled_by))).where(Inquiry.label.is_not(None))
    )
    click.echo(
        f"examples: {counts.get('genuine', 0)} genuine (delivered), "
        f"{counts.get('spam', 0)} spam (marked), from {deciders or 0} deciders; "
        f"the newest {examples.LIMIT} of each are learned from"
    )
    refit = db.session.scalar(
        select(Refit).where(Refit.finished_at.is_not(None)).order_by(Refit.id.desc()).limit(1)
    )
    if refit is None:
        click.echo("last refit: never (the shipped model judges alone)")
        return
    changes = refit.changes or {}
    click.echo(
        f"last refit: {refit.finished_at:%Y-%m-%d %H:%M:%S} UTC by {refit.owner}, from "
        f"{refit.genuine} genuine and {refit.spam} spam, in {changes.get('seconds', 0)} s; "
        f"their weight {changes.get('weight', 0)} shipped examples'"
    )
    for label, (before, after) in changes.get("odds", {}).items():
        click.echo(f"  {label} decisions' mean log odds of spam: {before:+.2f} -> {after:+.2f}")
    click.echo(f"  features it moved: {changes.get('features', 0)}")
    for feature, shipped, moved in changes.get("moved", []):
        click.echo(f"  moved most: {feature!r} {shipped:+.3f} {moved:+.3f}")
