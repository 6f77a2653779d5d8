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
    render_template,
    request,
    url_for,
)

from site_app import metrics
from site_app.assistant import unanswered
from site_app.assistant.answer import Answer, answer, clean, too_long
from site_app.assistant.cli import ask as ask_command
from site_app.assistant.index import MAX_LENGTH, GuideIndex, Hit
from site_app.guide.content import load_guide

bp = Blueprint("assistant", __name__)


def init_app(app: Flask) -> None:
    app.extensions["assistant"] = GuideIndex(load_guide())
    app.register_blueprint(bp)
    app.cli.add_command(ask_command)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _json(question: str, result: Answer | None, error: str | None) -> dict[str, object]:
    hits: tuple[Hit, ...] = result.hits if result else ()
    body: dict[str, object] = {
        "question": question,
        "answered": bool(hits),
        "answers": [
            {"title": h.passage.title, "text": h.passage.text, "url": h.passage.url} for h in hits
        ],
        "contact_url": url_for("contact.form", question=question or None),
        "suggestions": [
            {"title": p.title, "url": p.url} for p in (result.suggestions if result else ())
        ],
    }
    if error:
        body["error"] = error
    return body


@bp.get("/ask")
def ask() -> Response:
    question = clean(request.args.get("q", ""))
    error, result, status = None, None, 200
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
        metrics.count_question(result.answered)
        if not result.answered:
            unanswered.record(question)
    if wants_json:
        response = jsonify(_json(question, result, error))
    else:
        page = render_template(
            "ask/page.html", question=question, result=result, error=error, max_length=MAX_LENGTH
        )
        response = Response(page, mimetype="text/html")
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response
