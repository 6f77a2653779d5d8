"""A real SMTP server on loopback (aiosmtpd) that records what arrives and
can be told to misbehave the way relays do."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from site_app.devmail import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Recorder:
    """aiosmtpd handler. ``mode``: accept, tempfail (451), permfail (554), hang."""

    mode: str = "accept"
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.attempts += 1
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "tempfail":
            return "451 4.3.0 Try again later"
        if self.mode == "permfail":
            return "554 5.7.1 Message rejected"
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        self.arrived.set()
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]


class SMTPServer:
    def __init__(
        self,
        handler: Recorder | None = None,
        port: int | None = None,
        smtputf8: bool = True,
        **controller_args: Any,
    ) -> None:
        self.handler = handler or Recorder()
        self.port = port or free_port()
        self.smtputf8 = smtputf8  # whether EHLO offers SMTPUTF8 (RFC 6531)
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            enable_SMTPUTF8=smtputf8,
            **controller_args,
        )

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def messages(self) -> list[EmailMessage]:
        return self.handler.messages()
