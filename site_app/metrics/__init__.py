"""What ops watch: Prometheus metrics, counted across every gunicorn worker.

The counters live here; the gunicorn config gives the workers a shared
directory (prometheus_client's multiprocess mode) and starts
``site_app.metrics.server`` on ``METRICS_BIND``, which adds the outbox's
figures read from the database at each scrape. With ``METRICS_BIND`` unset
nothing is served and requests are not timed.
"""

from __future__ import annotations

from flask import Flask
from prometheus_client import Counter, Histogram
from prometheus_client.context_managers import Timer

from site_app.metrics.http import Instrumented, note_route

HTTP_REQUESTS = Counter(
    "glissando_http_requests",
    "HTTP requests answered, page-cache hits included; route is the URL rule.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "glissando_http_request_duration_seconds",
    "Time from the request reaching the app to its answer being ready.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
INQUIRIES_RECEIVED = Counter(
    "glissando_contact_inquiries",
    "Contact-form posts by outcome: accepted (stored, for the sender to judge and mail), "
    "rate_limited, invalid, expired, confirm, unavailable (the database did not answer).",
    ["outcome"],
)
TRIAGE_SIGNALS = Counter(
    "glissando_triage_signals",
    "Triage signals that fired on stored submissions, by signal name.",
    ["signal"],
)
TRIAGE_VERDICTS = Counter(
    "glissando_triage_verdicts",
    "Stored inquiries judged by the sender, by verdict: lead, held (possibly spam), spam, "
    "error (triage failed on it: mailed as a lead).",
    ["outcome"],
)
TRIAGE_CORRECTIONS = Counter(
    "glissando_triage_corrections",
    "Sales' and ops' corrections to triage: released (held or spam, delivered after all), "
    "marked_spam (a lead or held inquiry filed as spam).",
    ["action"],
)
TRIAGE_REFITS = Counter(
    "glissando_triage_refits",
    "Triage's wording model refitted from sales' decisions: fitted (by this worker, once "
    "across hosts for each set of decisions) or loaded (fitted elsewhere).",
    ["outcome"],
)
DELIVERY_ATTEMPTS = Counter(
    "glissando_outbox_delivery_attempts",
    "Attempts to mail an inquiry by outcome: delivered, retry, failed.",
    ["outcome"],
)
RELAY_SECONDS = Histogram(
    "glissando_outbox_relay_seconds",
    "Time the relay took to accept one message.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ASSISTANT_QUESTIONS = Counter(
    "glissando_assistant_questions",
    "Questions put to the guide's assistant: answered, or handed off to a person.",
    ["outcome"],
)

ASSISTANT_FUNNEL = Counter(
    "glissando_assistant_funnel",
    "What the chat panel leads to: votes on answers (vote_yes, vote_no), the inquiry form "
    "opened in the panel (form_opened) and inquiries sent from it (inquiry_sent).",
    ["step"],
)


def init_app(app: Flask) -> None:
    if app.config["METRICS_BIND"]:
        app.before_request(note_route)
        app.wsgi_app = Instrumented(  # type: ignore[method-assign]
            app.wsgi_app, HTTP_REQUESTS, HTTP_DURATION
        )


def count_refit(outcome: str) -> None:
    TRIAGE_REFITS.labels(outcome).inc()


def count_inquiry(outcome: str) -> None:
    INQUIRIES_RECEIVED.labels(outcome).inc()


def count_verdict(outcome: str) -> None:
    TRIAGE_VERDICTS.labels(outcome).inc()


def count_signals(names: tuple[str, ...] | list[str]) -> None:
    for name in names:
        TRIAGE_SIGNALS.labels(name).inc()


def count_correction(action: str) -> None:
    TRIAGE_CORRECTIONS.labels(action).inc()


def count_delivery(outcome: str) -> None:
    DELIVERY_ATTEMPTS.labels(outcome).inc()


def relay_timer() -> Timer:
    """``with relay_timer(): send(...)`` observes how long the relay took."""
    return RELAY_SECONDS.time()


def count_question(answered: bool) -> None:
    ASSISTANT_QUESTIONS.labels("answered" if answered else "handed_off").inc()


def count_funnel(step: str) -> None:
    ASSISTANT_FUNNEL.labels(step).inc()
