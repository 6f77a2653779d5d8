"""The guide assistant: ``GET /ask?q=...`` answers from the guide, or hands over to sales.

The index is built once per process from the same content file as the pages
(``site_app/content/guide.toml``). Answers are HTML for browsers and JSON for
``Accept: application/json`` (the chat panel); neither is cached anywhere,
since each depends on the question.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as BaseResponse

from site_app import metrics, visits
from site_app.assistant import unanswered, votes, withdrawn
from site_app.assistant.answer import Answer, answer, clean, too_long
from site_app.assistant.cli import ask as ask_command
from site_app.assistant.followups import Followup, followups, parse_seen
from site_app.assistant.index import MAX_LENGTH, GuideIndex, Hit
from site_app.contact import ratelimit
from site_app.guide.content import load_guide

bp = Blueprint("assistant", __name__)
VOTED = {
    votes.Outcome.COUNTED: "Thank you for telling us.",
    votes.Outcome.ALREADY: "You have already answered this. Thank you.",
    votes.Outcome.UNAVAILABLE: "Thank you. We could not store that just now.",
}
REFUSED = "That vote could not be read (answers can be voted on for a day). Ask again to vote."


def init_app(app: Flask) -> None:
    app.extensions["assistant"] = GuideIndex(load_guide())
    app.register_blueprint(bp)
    app.cli.add_command(ask_command)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


class _Shown:
    """What an answer offers beyond its passages: a vote on it and follow-up questions."""

    def __init__(self, question: str, result: Answer | None) -> None:
        hits = result.hits if result else ()
        self.vote_token = votes.sign(question, hits[0].passage.key) if hits else None
        seen = parse_seen(request.args.get("seen")) | {h.passage.key for h in hits}
        shown = hits[0].passage.key if hits else None
        guide = current_app.extensions["guide"]
        self.followups: list[Followup] = followups(guide, shown, seen) if hits else []


def _json(
    question: str, result: Answer | None, error: str | None, shown: _Shown
) -> dict[str, object]:
    hits: tuple[Hit, ...] = result.hits if result else ()
    body: dict[str, object] = {
        "question": question,
        "answered": bool(hits),
        "answers": [
            {
                "title": h.passage.title,
                "text": h.passage.text,
                "url": h.passage.url,
                "key": h.passage.key,
            }
            for h in hits
        ],
        "contact_url": url_for("contact.form", question=question or None),
        "suggestions": [
            {"title": p.title, "url": p.url} for p in (result.suggestions if result else ())
        ],
        "followups": [{"question": f.question, "title": f.title} for f in shown.followups],
    }
    if shown.vote_token:
        body["vote"] = {"token": shown.vote_token, "url": url_for("assistant.vote")}
    if error:
        body["error"] = error
    return body


@bp.get("/ask")
def ask() -> Response:
    question = clean(request.args.get("q", ""))
    error, result, status = None, None, 200
    voted = next((m for o, m in VOTED.items() if o.value == request.args.get("voted")), None)
    wants_json = _wants_json()
    if not question and wants_json:
        error, status = "Type a question about foundation models.", 400
    elif too_long(question):
        error = (
            f"Questions can be up to {MAX_LENGTH} characters; yours has {len(question):,}. "
            "Please shorten it, or write to our team."
        )
        question, status = question[:MAX_LENGTH], 400
    elif question:
        result = answer(current_app.extensions["assistant"], question)
        result = withdrawn.applied(question, result)
        if voted is None:  # coming back from a vote is not asking again
            metrics.count_question(result.answered)
            visits.count_event("asked")
            visits.count_event("answered" if result.answered else "handed_off")
            if not result.answered:
                unanswered.record(question)
    shown = _Shown(question, result)
    if wants_json:
        response = jsonify(_json(question, result, error, shown))
    else:
        page = render_template(
            "ask/page.html",
            question=question,
            result=result,
            error=error,
            max_length=MAX_LENGTH,
            shown=shown,
            voted=voted,
        )
        response = Response(page, mimetype="text/html")
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response


@bp.post("/ask/vote")
def vote() -> ResponseReturnValue:
    """Yes or No on an answer: JSON for the panel, back to the answer for the page."""
    choice = request.form.get("vote")
    token = request.form.get("token", "")
    # One visitor is one client (an IPv6 client its /64): three Noes must be three people
    visitor = ratelimit.client_hash(request.remote_addr or "unknown")
    outcome, question = (
        votes.record(token, choice == "yes", visitor) if choice in ("yes", "no") else (None, None)
    )
    if outcome is votes.Outcome.COUNTED:
        metrics.count_funnel(f"vote_{choice}")
        visits.count_event("yes" if choice == "yes" else "no")
    response: BaseResponse
    if _wants_json():
        message = VOTED.get(outcome) if outcome else None
        status = {None: 400, votes.Outcome.REFUSED: 400, votes.Outcome.ALREADY: 409}
        response = jsonify(
            {"counted": outcome is votes.Outcome.COUNTED, "message": message or REFUSED}
        )
        response.status_code = status.get(outcome, 200)
    elif outcome is None or question is None:
        page = render_template(
            "ask/page.html",
            question="",
            result=None,
            error=REFUSED,
            max_length=MAX_LENGTH,
            shown=None,
            voted=None,
        )
        response = Response(page, status=400, mimetype="text/html")
    else:
        target = url_for("assistant.ask", q=question, voted=outcome.value, _anchor="feedback")
        response = redirect(target, code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
