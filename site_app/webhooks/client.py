"""One outbound POST, kept safe: http or https only, no redirects followed, a timeout.

The URL is never logged whole (a Slack webhook URL is itself a credential):
errors name the host only.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

USER_AGENT = "Glissando-Webhooks/1"


class WebhookError(Exception):
    """The receiver did not take the webhook; the message says why, without secrets."""


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "?"


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST ``body``; return the 2xx status, or raise WebhookError or OSError."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookError("WEBHOOK_URL is not an http:// or https:// URL")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        response = connection.getresponse()
        response.read(65536)  # a bounded look; the answer's body is not used
        status, location = response.status, response.getheader("Location") or ""
    finally:
        connection.close()
    if 300 <= status < 400:
        # Never followed: the signed body is for the configured receiver only.
        raise WebhookError(
            f"receiver answered {status}, a redirect to {host_of(urljoin(url, location))}"
            " (not followed: set WEBHOOK_URL to the final address)"
        )
    if not 200 <= status < 300:
        raise WebhookError(f"receiver {parts.hostname} answered {status}")
    return status
