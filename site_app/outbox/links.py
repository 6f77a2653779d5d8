"""Signed links that let sales act on one inquiry without logging in.

A link is bound to one inquiry, one action (its own salt) and the inquiry's current
standing: held, spam or lead, and when it was last released. Acting changes that
standing, so a used link dies by itself (the idea of Django's
PasswordResetTokenGenerator). The key is derived from SECRET_KEY, never SECRET_KEY itself,
so a link can never pass for a session cookie or a form stamp.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from site_app.outbox.models import HELD, SPAM, Inquiry

DELIVER, MARK_SPAM = "deliver", "spam"
ACTIONS = (DELIVER, MARK_SPAM)
# The standing each action starts from, and the one it leaves.
FROM = {DELIVER: "held", MARK_SPAM: "lead"}
DONE = {DELIVER: "lead", MARK_SPAM: "spam"}


class LinkError(Exception):
    """A link that cannot be used: ``status`` is the 4xx to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def standing(inquiry: Inquiry) -> str:
    if inquiry.status == HELD:
        return "held"
    return "spam" if inquiry.status == SPAM else "lead"


def _binding(inquiry: Inquiry) -> list[object]:
    released = inquiry.released_at.isoformat() if inquiry.released_at else ""
    return [inquiry.id, standing(inquiry), released]


def _serializer(action: str) -> URLSafeTimedSerializer:
    secret = current_app.config["SECRET_KEY"].encode()
    key = hmac.new(secret, b"glissando triage links", hashlib.sha256).hexdigest()
    return URLSafeTimedSerializer(key, salt=f"glissando.triage.{action}")


def url(inquiry: Inquiry, action: str) -> str:
    token = _serializer(action).dumps(_binding(inquiry))
    return f"{current_app.config['SITE_URL']}/triage/{action}/{token}"


def inquiry_id(action: str, token: str) -> tuple[int, list[object]]:
    """The inquiry a link names and what it was bound to; LinkError when it is no link."""
    if action not in ACTIONS:
        raise LinkError(404, "There is no such action.")
    max_age = current_app.config["TRIAGE_LINK_DAYS"] * 86400
    try:
        bound = _serializer(action).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError(410, "This link has expired. Ask ops to act on the inquiry.") from None
    except BadSignature:
        raise LinkError(
            400, "This link is not valid: it may have been cut short or changed in transit."
        ) from None
    if not (isinstance(bound, list) and len(bound) == 3 and isinstance(bound[0], int)):
        raise LinkError(400, "This link is not valid.")
    return bound[0], bound


def still_bound(inquiry: Inquiry, bound: list[object]) -> bool:
    return _binding(inquiry) == bound
