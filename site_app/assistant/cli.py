"""``flask ask report``: what readers asked that the guide did not answer, or answered badly."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from site_app.assistant import unanswered, votes, withdrawn

ask = AppGroup("ask", help="The guide assistant's unanswered questions and unhelpful answers.")


@ask.command("report")
@click.option("--limit", default=30, show_default=True, help="How many rows in each list.")
def report(limit: int) -> None:
    """The most-asked questions the guide had no good answer to, with counts, and the
    answers visitors said did not help, with their Yes and No."""
    rows = unanswered.most_asked(limit)
    if not rows:
        click.echo("no unanswered questions")
    else:
        click.echo(f"{'asks':>6}  {'last asked':<16}  question")
        for row in rows:
            click.echo(f"{row.asks:>6}  {row.last_asked:%Y-%m-%d %H:%M}  {row.text}")
    click.echo()
    gone = withdrawn.listed(limit)
    if gone:
        click.echo(
            f"answers withdrawn ({withdrawn.NOES}+ visitors said No, nobody Yes, in "
            f"{withdrawn.WINDOW.days} days; restore one with `flask ask restore`):"
        )
        click.echo(f"{'noes':>6}  {'section withdrawn':<40}  question")
        for question, section, noes in gone:
            click.echo(f"{noes:>6}  {section:<40}  {question}")
        click.echo()
    unhelpful = votes.least_helpful(limit)
    if not unhelpful:
        click.echo("no answers voted unhelpful")
        return
    click.echo("answers visitors said did not help:")
    click.echo(f"{'no':>6}  {'yes':>6}  {'section shown':<40}  question")
    for vote in unhelpful:
        click.echo(f"{vote.no:>6}  {vote.yes:>6}  {vote.section:<40}  {vote.question}")


@ask.command("restore")
@click.argument("question")
@click.option("--section", required=True, help="The section's slug, as the report shows it.")
def restore(question: str, section: str) -> None:
    """Give a withdrawn answer again: forget the visitors' votes on it for this question."""
    forgot = withdrawn.restore(question, section)
    click.echo(f"restored {section} for {question!r} (forgot {forgot} visitors' votes)")
