"""Ops' side of triage: ``flask outbox release``, ``mark-spam`` and ``digest``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from site_app.database import needs_schema
from site_app.outbox import corrections, digest, digestmail, screening, worker


@click.command("release")
@with_appcontext
@click.argument("ids", nargs=-1, type=int, required=True)
@needs_schema
def release(ids: tuple[int, ...]) -> None:
    """Deliver held (or spam) inquiries now, as leads, with their webhooks."""
    done = [i for i in ids if corrections.release(i)]
    skipped = sorted(set(ids) - set(done))
    click.echo(f"released {len(done)} {'inquiry' if len(done) == 1 else 'inquiries'}")
    if skipped:
        click.echo(f"not held or spam, left as they were: {' '.join(map(str, skipped))}")
    if done:
        worker.wake_sender()


@click.command("mark-spam")
@with_appcontext
@click.argument("ids", nargs=-1, type=int, required=True)
@needs_schema
def mark_spam(ids: tuple[int, ...]) -> None:
    """File inquiries as spam; a later submission repeating them is kept out of the inbox."""
    done = [i for i in ids if corrections.mark_spam(i)]
    skipped = sorted(set(ids) - set(done))
    click.echo(f"marked {len(done)} {'inquiry' if len(done) == 1 else 'inquiries'} as spam")
    if skipped:
        click.echo(f"already spam or not found: {' '.join(map(str, skipped))}")


@click.command("digest")
@with_appcontext
@needs_schema
def send_digest() -> None:
    """Judge what is stored, then send the digest of held inquiries now (when anything is
    held and not yet listed)."""
    lease = current_app.config["OUTBOX_LEASE_SECONDS"]
    while screening.judge_due("flask-outbox-digest", 500, lease):
        pass
    made = digest.create_now()
    if made is None:
        click.echo("nothing held since the last digest: no digest sent")
        return
    click.echo(f"digest {made.id}: {made.held_count} held, {made.spam_count} spam")
    sent = digestmail.send_due("flask-outbox-digest", lease)
    click.echo("sent" if sent else "stored; the sender retries it (see the log)")
