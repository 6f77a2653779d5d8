"""The e-mail sales receive for one inquiry."""

from __future__ import annotations

from calendar import timegm

from flask import current_app, render_template
from flask_mail import Message

from site_app.outbox.models import Inquiry


def build(inquiry: Inquiry) -> Message:
    config = current_app.config
    message = Message(
        subject=f"New inquiry #{inquiry.id}: {inquiry.service} — {inquiry.name}",
        recipients=[config["CONTACT_RECIPIENT"]],
        sender=config["MAIL_DEFAULT_SENDER"],
        reply_to=(inquiry.name, inquiry.email),
        date=float(timegm(inquiry.created_at.timetuple())),
        body=render_template("email/inquiry.txt", inquiry=inquiry),
        html=render_template("email/inquiry.html", inquiry=inquiry),
        extra_headers={"X-Inquiry-ID": str(inquiry.id)},
    )
    message.msgId = inquiry.message_id  # the same on every retry
    return message
