"""The report marketing reads: views, visitors, sources and campaigns, the assistant's
funnel and the inquiries, for a range of days; printed by ``flask report`` and mailed
weekly through the outbox."""

from __future__ import annotations

from flask import Flask

from site_app.outbox import sender
from site_app.report import mail
from site_app.report.cli import report


def init_app(app: Flask) -> None:
    app.cli.add_command(report)
    sender.also_send(mail.send_due)
