"""The contact page: show the form, accept an inquiry, say thank you.

Accepting means storing: the inquiry is committed to the outbox before the
visitor is redirected, and a sender mails it later, outside the request.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from site_app import metrics
from site_app.config import parse_rate
from site_app.contact import context as lead_context
from site_app.contact import ratelimit
from site_app.contact.forms import (
    MESSAGE_MAX,
    ContactForm,
    clean_text,
    confirmation,
    confirmed,
    new_stamp,
    read_stamp,
    stamp_context,
)
from site_app.extensions import db
from site_app.outbox import screening, store
from site_app.outbox.worker import wake_sender

bp = Blueprint("contact", __name__, url_prefix="/contact")
log = logging.getLogger(__name__)

STALE_FORM = (
    "Your form had expired, so nothing was sent yet. Everything you typed is still here: "
    "please press Send again."
)
TOO_FAST = "Please check your message, then press Send again to send it."


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _page(form: ContactForm, status: int = 200, notice: str | None = None) -> Response:
    response = Response(
        render_template("contact/form.html", form=form, notice=notice), status=status
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("")
def form() -> Response:
    context = lead_context.from_request(request)
    if lead_context.from_panel(context):
        metrics.count_funnel("form_opened")
    form = ContactForm(stamp=new_stamp(context))
    # "Ask our team" from the guide assistant: the visitor's question, ready to send.
    form.message.data = clean_text(request.args.get("question"))[:MESSAGE_MAX] or None
    return _page(form)


@bp.post("")
def submit() -> ResponseReturnValue:
    form = ContactForm()
    stamp = read_stamp(form.stamp.data or "")
    valid = form.validate()
    if stamp is None or "csrf_token" in form.errors:
        # Expired session, forged token or a missing stamp: keep every word, start afresh.
        form.stamp.data = new_stamp(lead_context.bounded(stamp_context(form.stamp.data or "")))
        form.form_errors.clear()
        form.errors.pop("csrf_token", None)
        for field in form:
            field.errors = []
        metrics.count_inquiry("expired")
        return _page(form, status=400, notice=STALE_FORM)
    if not valid:
        metrics.count_inquiry("invalid")
        return _page(form, status=422)
    token, age = stamp
    if store.find(token) is not None:
        return redirect(url_for("contact.thanks"), code=303)  # Send pressed twice
    honeypot = bool(form.website.data)
    was_confirmed = confirmed(form.confirm.data or "", token)
    if not honeypot and age < current_app.config["CONTACT_MIN_FILL_SECONDS"] and not was_confirmed:
        # Faster than most people type: autofill, a pasted or pre-filled message, or a bot.
        # Ask once to press Send again rather than drop it; nothing is stored yet.
        form.confirm.data = confirmation(token)
        metrics.count_inquiry("confirm")
        return _page(form, notice=TOO_FAST)
    client = ratelimit.client_hash(request.remote_addr or "unknown")
    if not ratelimit.allow(client, commit=False):  # committed with the inquiry
        log.warning("rate limit reached for client %s", client[:12])
        metrics.count_inquiry("rate_limited")
        return too_many_requests(form)
    fields = {name: getattr(form, name).data for name in ("name", "email", "service", "message")}
    context = lead_context.bounded(stamp_context(form.stamp.data))
    # Judged by the sender before it mails (outbox.screening), not here: the same
    # thank-you whatever triage decides, and a bot learns nothing from the answer.
    facts = screening.facts(honeypot, age, was_confirmed)
    inquiry, created = store.store(token, fields, client, None, context, unjudged=facts)
    if created:
        metrics.count_inquiry("accepted")
        log.info("inquiry %s stored, to be judged and delivered", inquiry.id)
        wake_sender()
    else:
        log.info("inquiry %s submitted again; kept once", inquiry.id)
    if created and lead_context.from_panel(context):
        metrics.count_funnel("inquiry_sent")
    return redirect(url_for("contact.thanks"), code=303)


@bp.get("/thanks")
def thanks() -> Response:
    response = Response(render_template("contact/thanks.html"))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _mailto(form: ContactForm) -> str:
    """A mailto: link that carries the visitor's message, for when the form cannot."""
    subject = f"Inquiry: {form.service.data}"
    body = f"{form.message.data}\n\n{form.name.data}"
    return f"mailto:{current_app.extensions['guide'].email}?" + urlencode(
        {"subject": subject, "body": body}, quote_via=quote
    )


def too_many_requests(form: ContactForm) -> Response:
    """Over the limit: the visitor's words come back, ready to send by e-mail instead."""
    page = render_template("contact/too_many.html", form=form, mailto=_mailto(form))
    response = Response(page, status=429)
    response.headers["Retry-After"] = str(parse_rate(current_app.config["CONTACT_RATE_LIMIT"])[1])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(DBAPIError)
@bp.errorhandler(PoolTimeout)
def database_unavailable(error: Exception) -> Response:
    """The database is down, locked, read-only or full: nothing was stored, every word comes
    back in the form, with the same stamp so a second Send can never store it twice."""
    reason = (str(error).strip().splitlines() or [""])[0]
    log.warning("database unavailable, inquiry not stored: %s %s", type(error).__name__, reason)
    metrics.count_inquiry("unavailable")
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone
        db.session.close()
    form = ContactForm()
    page = render_template("contact/unavailable.html", form=form, mailto=_mailto(form))
    response = Response(page, status=503)
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "private, no-store"
    return response
