"""What every inquiry e-mail must be on the wire, checked the way a strict relay and a mail
client see it: line lengths, transfer encodings, headers, and the visitor's words decoded."""

from __future__ import annotations

import email
import email.policy
from email.errors import NonASCIILocalPartDefect as NonASCII
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses

from site_app.contact.forms import clean_text, single_line

LIMIT = 998  # RFC 5322 2.1.1, without the CRLF


def parse(raw: bytes, smtputf8: bool = False) -> EmailMessage:
    """As a mail client reads it; under SMTPUTF8 the headers are UTF-8 (RFC 6532)."""
    if smtputf8:
        return email.message_from_string(raw.decode(), policy=email.policy.default)  # type: ignore[return-value]
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def assert_valid_on_wire(raw: bytes, smtputf8: bool = False) -> None:
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= LIMIT, "a line over 998 octets"
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert body.isascii(), "bodies are 7-bit: base64 or quoted-printable when needed"
    if not smtputf8:
        assert head.isascii(), "headers are RFC 2047-encoded without SMTPUTF8"
    mail = parse(raw, smtputf8)
    for part in mail.walk():
        if part.get_content_maintype() == "text":
            assert part["Content-Transfer-Encoding"] in (None, "7bit", "quoted-printable", "base64")
            assert part.get_content_charset() in (None, "us-ascii", "utf-8")
    for name, value in mail.items():
        # The standard library flags every non-ASCII local part, which RFC 6532 allows.
        defects = [d for d in getattr(value, "defects", ()) if not isinstance(d, NonASCII)]
        assert not defects, f"{name} has defects: {defects}"


def text_of(mail: EmailMessage, subtype: str = "plain") -> str:
    part = mail.get_body((subtype,))
    assert part is not None, f"a text/{subtype} part"
    return str(part.get_content()).replace("\r\n", "\n")


def assert_carries(mail: EmailMessage, fields: dict[str, str], smtputf8: bool = False) -> None:
    """The visitor's words arrive exactly as typed (after the form's clean-up), and their
    address is in the body and, where the relay can carry it, in Reply-To."""
    plain = text_of(mail)
    message, name = clean_text(fields["message"]), single_line(fields["name"])
    address = single_line(fields["email"])
    assert f"\nMessage:\n{message}\n\n--\n" in plain, "the message, decoded, is what was typed"
    assert f"Name:    {name}\n" in plain
    assert f"Email:   {address}\n" in plain
    assert str(mail["Subject"]).endswith(f" — {name}")
    reply_to = _reply_to(mail)
    if address.isascii() or smtputf8:
        assert reply_to == [(name, address)]
    elif reply_to:  # an IDN domain in its ASCII form; never a mangled address
        assert reply_to[0][0] == name and reply_to[0][1].isascii()
        local, _, domain = reply_to[0][1].rpartition("@")
        assert local == address.rpartition("@")[0] and "xn--" in domain
    else:
        assert "cannot carry the internationalised address" in plain


def _reply_to(mail: EmailMessage) -> list[tuple[str, str]]:
    """Reply-To as (name, address) pairs.

    CPython's modern parser keeps the folding space between two encoded-words of a display
    name, which RFC 2047 section 6.2 says to drop (mail clients do); the legacy decoder
    follows the RFC, so encoded display names are read with it.
    """
    raws = [value for name, value in mail.raw_items() if name.lower() == "reply-to"]
    if not raws:
        return []
    phrase, _, rest = "".join(raws[0].splitlines()).rpartition(" <")
    if "=?" not in phrase:
        return getaddresses([str(mail["Reply-To"])])
    return [(str(make_header(decode_header(phrase))), rest.rstrip(">"))]
