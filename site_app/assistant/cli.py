"""``flask ask report``: what readers asked that the guide did not answer."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from site_app.assistant import unanswered

ask = AppGroup("ask", help="The guide assistant's unanswered questions.")


@ask.command("report")
@click.option("--limit", default=30, show_default=True, help="How many questions to list.")
def report(limit: int) -> None:
    """The most-asked questions the guide had no good answer to, with counts."""
    rows = unanswered.most_asked(limit)
    if not rows:
        click.echo("no unanswered questions")
        return
    click.echo(f"{'asks':>6}  {'last asked':<16}  question")
    for row in rows:
        click.echo(f"{row.asks:>6}  {row.last_asked:%Y-%m-%d %H:%M}  {row.text}")
