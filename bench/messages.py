"""Issue 8's figures: building one inquiry e-mail before and after the change (side by side in
one run), the largest message a strict relay took, and how many generated inquiries went
through the real form into a strict relay (the property test, run longer than in make test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import timeit
from calendar import timegm
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Message

from bench import header
from site_app import create_app
from site_app.database import upgrade_schema
from site_app.outbox.message import build
from site_app.outbox.models import Inquiry, utcnow
from tests.conftest import ARTIFACTS, GOOD, deliver, submit, test_config
from tests.smtp import SMTPServer

ROOT = Path(__file__).resolve().parent.parent
BUILDS = 2_000
GENERATED = 500  # per relay (with and without SMTPUTF8)


def flask_mail_build(inquiry: Inquiry) -> Message:
    """The builder as it was before issue 8 (Flask-Mail's own MIME), kept as the baseline."""
    config = current_app.config
    message = Message(
        subject=f"New inquiry #{inquiry.id}: {inquiry.service} — {inquiry.name}",
        recipients=[config["CONTACT_RECIPIENT"]],
        sender=config["MAIL_DEFAULT_SENDER"],
        reply_to=(inquiry.name, inquiry.email),
        date=float(timegm(inquiry.created_at.timetuple())),
        body=render_template("email/inquiry.txt", inquiry=inquiry, reply_to=inquiry.email),
        html=render_template("email/inquiry.html", inquiry=inquiry, reply_to=inquiry.email),
        extra_headers={"X-Inquiry-ID": str(inquiry.id)},
    )
    message.msgId = inquiry.message_id
    return message


def run_build_time() -> None:
    header(f"building one inquiry e-mail, {BUILDS:,} times each, alternating (best of 5)")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(test_config(Path(tmp), 25))
        inquiry = Inquiry(
            id=123, message_id="<inquiry.bench@glissando.ai>", created_at=utcnow(), **GOOD
        )
        inquiry.message = "We would like a chatbot for our support desk.\n" * 8
        with app.test_request_context():
            timings: dict[str, float] = {"before": 1e9, "after": 1e9}
            for _ in range(5):
                for name, builder in (("before", flask_mail_build), ("after", build)):
                    took = timeit.timeit(lambda b=builder: b(inquiry).as_bytes(), number=BUILDS)
                    timings[name] = min(timings[name], took)
    for name, took in timings.items():
        print(f"  {name:<7} {took / BUILDS * 1e6:7.0f} µs per message")
    print(f"  ratio after / before = {timings['after'] / timings['before']:.2f} (goal <= 1.2)")


def run_largest() -> None:
    header("the largest inquiry the form accepts, through a strict relay (aiosmtpd)")
    widest = {
        "name": "𝔄" * 100,  # four UTF-8 octets each
        "email": "用户" * 20 + "@" + "例子" * 10 + ".广告",
        "message": "𝔄" * 5000,
    }
    for smtputf8 in (True, False):
        with tempfile.TemporaryDirectory() as tmp, SMTPServer(smtputf8=smtputf8) as relay:
            app = create_app(test_config(Path(tmp), relay.port))
            upgrade_schema(app)
            status = submit(app.test_client(), **widest).status_code
            delivered = deliver(app)
            size = len(relay.received[0].raw) if relay.received else 0
        print(
            f"  SMTPUTF8 {'on ' if smtputf8 else 'off'}: form answered {status}, "
            f"delivered {delivered}, {size:,} octets on the wire"
        )


def run_generated() -> None:
    header(f"generated inquiries through the form into a strict relay ({GENERATED} per relay)")
    env = {**os.environ, "PROPERTY_EXAMPLES": str(GENERATED)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-o", "timeout=1800", "tests/test_properties.py"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    print(f"  pytest: {result.stdout.strip().splitlines()[-1]}")
    for name in ("smtputf8", "ascii"):
        counts = json.loads((ARTIFACTS / f"properties-{name}.json").read_text())
        print(
            f"  relay {'with' if name == 'smtputf8' else 'without'} SMTPUTF8: "
            f"{counts.get('delivered', 0)} accepted and delivered intact, "
            f"{counts.get('refused 422', 0)} refused by the form, "
            f"{counts.get('non-ascii address', 0)} with an internationalised address, "
            f"{counts.get('line over 998 typed', 0)} with a typed line over 998 octets, "
            f"largest {counts.get('largest', 0):,} octets"
        )


def run() -> None:
    run_build_time()
    run_largest()
    run_generated()
