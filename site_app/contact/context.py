"""Where a lead came from, read when /contact is opened and carried in the form's stamp.

Only what the request for the form itself shows is kept: the same-site page
the visitor was reading (its ``Referer``), the host of an external referrer,
the ``utm_*`` tags and the question handed over by the guide assistant
(``?question=``) of the /contact URL. It travels inside the signed stamp, so a
posted value is never trusted as it is. Every value is one line and bounded.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Request

from site_app.contact.forms import single_line

UTM = ("utm_source", "utm_medium", "utm_campaign")
LIMITS = {"page": 200, "referrer_host": 253, "question": 500, **dict.fromkeys(UTM, 100)}


def bounded(context: object) -> dict[str, str]:
    """Only known keys, single-line and cut to their limits (also for stamps read back)."""
    if not isinstance(context, dict):
        return {}
    kept = {}
    for key, limit in LIMITS.items():
        value = context.get(key)
        if isinstance(value, str) and (text := single_line(value)[:limit]):
            kept[key] = text
    return kept


def from_request(request: Request) -> dict[str, str]:
    found = {name: request.args.get(name, "") for name in (*UTM, "question")}
    referrer = urlsplit(request.referrer or "")
    if referrer.scheme in {"http", "https"} and referrer.hostname:
        if referrer.netloc.lower() == request.host.lower():
            if referrer.path.rstrip("/") != request.path.rstrip("/"):
                found["page"] = referrer.path or "/"
        else:
            found["referrer_host"] = referrer.hostname
    return bounded(found)
