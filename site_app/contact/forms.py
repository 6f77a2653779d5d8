"""The contact form: its fields, limits and spam signals."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

NAME_MAX, EMAIL_MAX, MESSAGE_MAX = 100, 254, 5000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def single_line(value: str | None) -> str:
    """Drop control characters and fold every line break and run of spaces into one space."""
    return " ".join(_CONTROL.sub("", value or "").split())


def clean_text(value: str | None) -> str:
    """Keep line breaks (normalised to \\n) but no other control characters."""
    text = _CONTROL.sub("", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _stamp_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="contact-form")


def _load(stamp: str) -> tuple[Any, datetime] | None:
    try:
        payload, signed_at = _stamp_serializer().loads(stamp, return_timestamp=True)
    except BadSignature:
        return None
    return payload, signed_at


def stamp_context(stamp: str) -> object:
    """The context signed into the stamp ({} for none); the caller bounds it."""
    loaded = _load(stamp)
    payload = loaded[0] if loaded else None
    return payload[1] if isinstance(payload, list) and len(payload) == 2 else {}


def new_stamp(context: Mapping[str, object] | None = None) -> str:
    """A signed token naming this filling of the form; it also dates it.

    ``context`` (where the lead came from) rides along, signed with the token.
    """
    token = uuid.uuid4().hex
    return _stamp_serializer().dumps([token, dict(context)] if context else token)


def read_stamp(stamp: str) -> tuple[str, float] | None:
    """The form's token and its age in seconds, or None if forged or missing."""
    loaded = _load(stamp)
    if loaded is None:
        return None
    payload, signed_at = loaded
    token = payload[0] if isinstance(payload, list) and payload else payload
    return str(token), (datetime.now(UTC) - signed_at).total_seconds()


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="contact-confirm")


def confirmation(token: str) -> str:
    """Proof that the visitor was asked to confirm this filling of the form."""
    return _confirm_serializer().dumps(token)


def confirmed(value: str, token: str) -> bool:
    try:
        return bool(_confirm_serializer().loads(value) == token)
    except BadSignature:
        return False


class ContactForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        "Name",
        filters=[single_line],
        validators=[
            DataRequired("Enter your name."),
            Length(max=NAME_MAX, message=f"Keep your name to {NAME_MAX} characters or fewer."),
        ],
        description=f"Up to {NAME_MAX} characters.",
    )
    email = EmailField(
        "Email",
        filters=[single_line],
        validators=[
            DataRequired("Enter your email address so we can reply."),
            Length(max=EMAIL_MAX, message="That email address is too long."),
            Email("Enter an email address like name@example.com.", check_deliverability=False),
        ],
        description="We reply to this address.",
    )
    service = SelectField(
        "What service do you need?",
        validators=[DataRequired("Choose the service you need.")],
        validate_choice=True,
    )
    message = TextAreaField(
        "Message",
        filters=[clean_text],
        validators=[
            DataRequired("Tell us a little about what you need."),
            Length(
                max=MESSAGE_MAX,
                message=f"Keep your message to {MESSAGE_MAX:,} characters or fewer.",
            ),
        ],
        description=f"Up to {MESSAGE_MAX:,} characters.",
    )
    # Hidden from people and screen readers; bots fill it in.
    website = StringField("Leave this field empty")
    stamp = HiddenField()
    confirm = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        services = current_app.config["CONTACT_SERVICES"]
        self.service.choices = [("", "Choose a service")] + [(s, s) for s in services]
        self.service.validate_choice = True
        if not self.stamp.data:
            self.stamp.data = new_stamp()
