"""The pages behind the signed links in sales' e-mails: deliver a held inquiry, or mark a
lead as spam. No login: the link is the permission.

A GET only shows the inquiry (name, first line) and one button, because mail scanners and
link previews open links; only the button's POST acts. Everything here answers under
``/triage/``, a prefix the nginx example rate-limits.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, render_template, request
from flask_wtf import FlaskForm

from site_app.contact import ratelimit
from site_app.extensions import db
from site_app.outbox import corrections, links, worker
from site_app.outbox.models import Inquiry

bp = Blueprint("review", __name__, url_prefix="/triage")
log = logging.getLogger(__name__)

TITLES = {links.DELIVER: "Deliver this inquiry", links.MARK_SPAM: "Mark this inquiry as spam"}
DONE = {
    links.DELIVER: "Delivered: it is on its way to your inbox as a normal inquiry. Triage "
    "learns from this: a message like it will reach the inbox too.",
    links.MARK_SPAM: "Marked as spam. A later message repeating it will be kept out of the "
    "inbox, and triage learns from this.",
}
ALREADY = {
    links.DELIVER: "Already delivered: nothing more to do.",
    links.MARK_SPAM: "Already marked as spam: nothing more to do.",
}


class ActionForm(FlaskForm):  # type: ignore[misc]
    """Only the CSRF token: the button's POST must come from this page."""


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.after_request
def _private(response: Response) -> Response:
    # The token is in the URL: never cached, indexed, or sent on as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _page(action: str, status: int = 200, **context: object) -> Response:
    page = render_template("review/page.html", title=TITLES.get(action, "Link"), **context)
    return Response(page, status=status)


def _open(action: str, token: str) -> Inquiry | Response:
    """The inquiry a usable link names, or the page that says why it cannot be used."""
    try:
        inquiry_id, bound = links.inquiry_id(action, token)
    except links.LinkError as error:
        return _page(action, error.status, notice=error.message)
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None:
        gone = "This inquiry is no longer kept (deleted after 90 days or at the person's request)."
        return _page(action, 410, notice=gone)
    if links.still_bound(inquiry, bound):
        return inquiry
    if links.standing(inquiry) == links.DONE[action]:
        return _page(action, notice=ALREADY[action], inquiry=inquiry)
    changed = f"This link no longer applies: the inquiry is now {inquiry.status}."
    return _page(action, 409, notice=changed, inquiry=inquiry)


@bp.get("/<action>/<token>")
def show(action: str, token: str) -> Response:
    inquiry = _open(action, token)
    if isinstance(inquiry, Response):
        return inquiry
    return _page(action, inquiry=inquiry, form=ActionForm(), first_line=_first_line(inquiry))


@bp.post("/<action>/<token>")
def act(action: str, token: str) -> Response:
    inquiry = _open(action, token)
    if isinstance(inquiry, Response):
        return inquiry
    form = ActionForm()
    if not form.validate():
        expired = "This page had expired, so nothing was done. Open the link again."
        return _page(action, 400, notice=expired, inquiry=inquiry)
    # Who decided, as triage's learning bounds each decider's weight: the client, hashed.
    by = "link:" + ratelimit.client_hash(request.remote_addr or "unknown")[:32]
    if action == links.DELIVER:
        done = corrections.release(inquiry.id, by)
        if done:
            worker.wake_sender()
    else:
        done = corrections.mark_spam(inquiry.id, by)
    if not done:  # pressed at the same moment elsewhere
        return _page(action, notice=ALREADY[action], inquiry=inquiry)
    log.info("inquiry %s: %s from a signed link", inquiry.id, action)
    return _page(action, notice=DONE[action], inquiry=inquiry)


def _first_line(inquiry: Inquiry) -> str:
    lines = inquiry.message.strip().splitlines()
    return lines[0][:200] if lines else ""
