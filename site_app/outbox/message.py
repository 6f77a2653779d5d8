"""The e-mail sales receive for one inquiry, valid on the wire for any input the form accepts.

Flask-Mail 0.10 builds its MIME parts with the legacy ``email`` API and registers UTF-8 with no
body encoding, so a paragraph typed without a line break goes out as one line over RFC 5322's
998 octets, and it writes a non-ASCII address into a header raw. Here the standard library's
modern API builds the message instead: bodies get quoted-printable or base64 whenever their
lines or characters need it, headers are folded and RFC 2047-encoded, and an internationalised
address is written only where the relay can carry it (SMTPUTF8, RFC 6531). Flask-Mail still
sends it: :class:`InquiryMessage` is a Flask-Mail message whose MIME form is this one.
"""

from __future__ import annotations

import re
from calendar import timegm
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, parseaddr
from typing import Any, cast

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_mail import Message

from site_app.outbox import links
from site_app.outbox.models import Digest, Inquiry


class _SubjectPolicy(EmailPolicy):  # type: ignore[type-arg]  # generic only in typeshed
    """Python 3.11's folder drops a space that falls between two encoded-words of a long
    non-ASCII Subject ("µ ¬" arrives as "µ¬"; CPython gh-144156, fixed in later releases).
    Such a Subject is encoded here by the legacy ``Header``, whose encoded-words carry every
    space inside them; every other header is folded as the library does."""

    def _encoded(self, name: str, value: str) -> str | None:
        if name.lower() != "subject" or self.utf8 or str(value).isascii():
            return None
        width = self.max_line_length or 78
        words = Header(str(value), "utf-8", header_name=name).encode(
            linesep=self.linesep, maxlinelen=width
        )
        return f"{name}: {words}{self.linesep}"

    def fold(self, name: str, value: str) -> str:
        return self._encoded(name, value) or str(super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        folded = self._encoded(name, value)
        return folded.encode("ascii") if folded else bytes(super().fold_binary(name, value))


# Bodies are always 7-bit on the wire (base64 or quoted-printable when needed), whatever the
# relay offers; only headers carry raw UTF-8, and only under SMTPUTF8.
_ASCII = cast("EmailPolicy[EmailMessage]", _SubjectPolicy(linesep="\r\n", cte_type="7bit"))
_UTF8 = policy.SMTP.clone(cte_type="7bit", utf8=True)


class InquiryMessage(Message):  # type: ignore[misc]
    """A Flask-Mail message whose MIME form is built here rather than by Flask-Mail."""

    def __init__(self, mime: EmailMessage, sender: str, recipient: str, options: list[str]):
        super().__init__(
            subject=mime["Subject"], sender=sender, recipients=[recipient], mail_options=options
        )
        self.mime = mime
        self.msgId = mime["Message-ID"]

    # Flask-Mail's as_bytes() serialises whatever this returns; it declares MIMEBase, the
    # legacy class, but needs only as_bytes() and as_string(), which EmailMessage has too.
    def _message(self) -> EmailMessage:  # type: ignore[override]
        return self.mime


def reply_address(email: str, smtputf8: bool) -> str | None:
    """The visitor's address as this relay can carry it in a header, or None if it cannot."""
    if email.isascii() or smtputf8:
        return email
    try:
        # An internationalised domain has an ASCII form (IDNA); a non-ASCII local part has none.
        return validate_email(email, check_deliverability=False).ascii_email
    except EmailNotValidError:
        return None


def _body_encoding(text: str) -> str | None:
    """Let the library choose, except that a line starting "From " goes as base64.

    Quoted-printable would leave it as it is, and an mbox delivery down the line would turn it
    into ">From ", changing what the visitor typed.
    """
    return "base64" if text.startswith("From ") or "\nFrom " in text else None


def _headed(subject: str, policy: EmailPolicy[EmailMessage] = _ASCII) -> EmailMessage:
    config = current_app.config
    mime = EmailMessage(policy=policy)
    mime["Subject"] = subject
    mime["From"] = _address(*parseaddr(config["MAIL_DEFAULT_SENDER"]))
    mime["To"] = config["CONTACT_RECIPIENT"]
    return mime


def _bodies(mime: EmailMessage, template: str, **context: Any) -> None:
    """The template pair ``template``.txt and .html as the message's two parts."""
    text = render_template(f"{template}.txt", **context)
    mime.set_content(text, cte=_body_encoding(text))
    html = render_template(f"{template}.html", **context)
    mime.add_alternative(html, subtype="html", cte=_body_encoding(html))


def _date(when: datetime) -> str:
    return formatdate(float(timegm(when.timetuple())), localtime=True)


def build_mime(inquiry: Inquiry, smtputf8: bool = False) -> EmailMessage:
    reply_to = reply_address(inquiry.email, smtputf8)
    policy = _UTF8 if smtputf8 and not inquiry.email.isascii() else _ASCII
    mime = _headed(f"New inquiry #{inquiry.id}: {inquiry.service} — {inquiry.name}", policy)
    if reply_to:
        mime["Reply-To"] = _address(inquiry.name, reply_to)
    mime["Date"] = _date(inquiry.created_at)
    mime["Message-ID"] = inquiry.message_id  # the same on every retry
    mime["X-Inquiry-ID"] = str(inquiry.id)
    spam_url = links.url(inquiry, links.MARK_SPAM)
    _bodies(mime, "email/inquiry", inquiry=inquiry, reply_to=reply_to, spam_url=spam_url)
    return mime


def build_digest(digest: Digest, listed: Sequence[Inquiry]) -> InquiryMessage:
    """The digest of held inquiries: ``listed`` in full (the newest), the rest counted."""
    held = digest.held_count
    mime = _headed(f"Digest: {held} held {'inquiry' if held == 1 else 'inquiries'} to review")
    mime["Date"] = _date(digest.created_at)
    mime["Message-ID"] = digest.message_id
    mime["X-Digest-ID"] = str(digest.id)
    entries = [(i, links.url(i, links.DELIVER), excerpt(i.message)) for i in listed]
    _bodies(mime, "email/digest", digest=digest, entries=entries, more=held - len(listed))
    config = current_app.config
    return InquiryMessage(mime, config["MAIL_DEFAULT_SENDER"], config["CONTACT_RECIPIENT"], [])


def compose(
    subject: str, template: str, to: str, message_id: str, when: datetime, **context: Any
) -> InquiryMessage:
    """Another stored message (the weekly report) from the template pair ``template``."""
    mime = _headed(subject)
    mime.replace_header("To", to)
    mime["Date"] = _date(when)
    mime["Message-ID"] = message_id
    _bodies(mime, template, **context)
    return InquiryMessage(mime, current_app.config["MAIL_DEFAULT_SENDER"], to, [])


_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


def excerpt(message: str, length: int = 240) -> str:
    """The start of a message on one line, cut at a word, its links defanged.

    A digest lists what looked like spam: its links, left live, would be one click away
    for sales and would make the digest itself look like spam to URI blocklists.
    """
    flat = " ".join(message.split())
    if len(flat) > length:
        flat = flat[:length].rsplit(" ", 1)[0] + " …"
    return _URL.sub(lambda m: re.sub(r"(?i)^http", "hxxp", m[0]).replace(".", "[.]"), flat)


def _address(name: str, addr_spec: str) -> Address:
    # Split by hand: Address(addr_spec=...) refuses a non-ASCII local part even under SMTPUTF8.
    username, _, domain = addr_spec.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def build(inquiry: Inquiry, smtputf8: bool = False) -> InquiryMessage:
    """The message for ``inquiry``; ``smtputf8`` when the relay offered that extension."""
    mime = build_mime(inquiry, smtputf8)
    options = ["SMTPUTF8"] if mime.policy is _UTF8 else []
    config = current_app.config
    return InquiryMessage(mime, config["MAIL_DEFAULT_SENDER"], config["CONTACT_RECIPIENT"], options)
