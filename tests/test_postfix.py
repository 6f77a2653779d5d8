"""Debian's Postfix as the relay: what visitors typed arrives in a Maildir, valid and intact,
with SMTPUTF8 on and off."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.conftest import GOOD, deliver, judge, submit
from tests.postfix import Postfix
from tests.test_hostile import FIELD_CASES
from tests.wire import assert_carries, assert_valid_on_wire, parse

# The cases a strict relay used to refuse, and a line Postfix itself could take for a command.
CASES = [dict(fields) for case, fields, _ in FIELD_CASES[-5:]] + [
    {"name": "Łukasz Ōtsuka", "message": "From the top:\n.\nthat was a lone dot."},
]


@pytest.mark.parametrize("smtputf8", [True, False], ids=["smtputf8", "no-smtputf8"])
def test_postfix_delivers_every_case_to_the_maildir(
    make_app: Callable[..., Flask], smtputf8: bool
) -> None:
    with Postfix(smtputf8=smtputf8) as postfix:
        app = make_app(MAIL_PORT=postfix.port)
        client = app.test_client()
        for fields in CASES:
            assert submit(client, **fields).status_code == 303
        # Triage may hold an odd-looking one: delivered from the digest, it arrives the same.
        judge(app)
        ids = [str(n) for n in range(1, len(CASES) + 1)]
        app.test_cli_runner().invoke(args=["outbox", "release", *ids])
        assert deliver(app) == len(CASES)
        stored = postfix.delivered(len(CASES))
    by_id = {parse(raw)["X-Inquiry-ID"]: raw for raw in stored}
    assert len(by_id) == len(CASES), "each inquiry arrives once"
    for number, fields in enumerate(CASES, start=1):
        raw = by_id[str(number)].replace(b"\n", b"\r\n")  # a Maildir keeps lines with LF
        assert_valid_on_wire(raw, smtputf8)
        assert_carries(parse(raw, smtputf8), {**GOOD, **fields}, smtputf8)
