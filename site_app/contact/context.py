"""Where a lead came from, read when /contact is opened and carried in the form's stamp.

Only what the request for the form itself shows is kept: the same-site page
the visitor was reading (its ``Referer``), the host of an external referrer,
the ``utm_*`` tags of the /contact URL (or, failing those, of that page's URL) and the
question handed over by the guide assistant (``?question=``). The chat panel, opening the
form inside itself, adds the conversation (``?asked=`` once per question, the last five
kept) and ``?via=panel``. It travels inside the signed stamp, so a posted
value is never trusted as it is. Every value is one line and bounded.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Request

from site_app.contact.forms import single_line

UTM = ("utm_source", "utm_medium", "utm_campaign")
LIMITS = {"page": 200, "referrer_host": 253, "question": 500, **dict.fromkeys(UTM, 100)}
# The questions asked in the chat panel: the last few, each cut short enough that five of
# them, percent-encoded in the URL that opens the form, stay within a proxy's 8 KB line.
QUESTIONS, QUESTIONS_KEPT, QUESTION_MAX = "questions", 5, 150
PANEL = "panel"  # "via": the only value kept
Context = dict[str, "str | list[str]"]


def _questions(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    lines = (single_line(q)[:QUESTION_MAX] for q in value if isinstance(q, str))
    return [q for q in lines if q][-QUESTIONS_KEPT:]


def bounded(context: object) -> Context:
    """Only known keys, single-line and cut to their limits (also for stamps read back)."""
    if not isinstance(context, dict):
        return {}
    kept: Context = {}
    for key, limit in LIMITS.items():
        value = context.get(key)
        if isinstance(value, str) and (text := single_line(value)[:limit]):
            kept[key] = text
    if questions := _questions(context.get(QUESTIONS)):
        kept[QUESTIONS] = questions
    if context.get("via") == PANEL:
        kept["via"] = PANEL
    return kept


def from_panel(context: object) -> bool:
    return isinstance(context, dict) and context.get("via") == PANEL


def from_request(request: Request) -> Context:
    found: dict[str, object] = {name: request.args.get(name, "") for name in (*UTM, "question")}
    found[QUESTIONS] = request.args.getlist("asked")[-QUESTIONS_KEPT:]
    found["via"] = request.args.get("via")
    referrer = urlsplit(request.referrer or "")
    if referrer.scheme in {"http", "https"} and referrer.hostname:
        if referrer.netloc.lower() == request.host.lower():
            if referrer.path.rstrip("/") != request.path.rstrip("/"):
                found["page"] = referrer.path or "/"
            # Landed on a section with a campaign's tags, then opened the form: the
            # section's URL, in this request's Referer, carries them.
            tags = parse_qs(referrer.query)
            if not any(found[name] for name in UTM):
                found.update({name: tags.get(name, [""])[0] for name in UTM})
        else:
            found["referrer_host"] = referrer.hostname
    return bounded(found)
