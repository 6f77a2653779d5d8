"""Standard Webhooks signatures: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""

from __future__ import annotations

import base64
import hashlib
import hmac


def key_of(secret: str) -> bytes:
    """The key inside a ``whsec_<base64>`` secret (checked at start-up by config)."""
    return base64.b64decode(secret.removeprefix("whsec_"))


def signature(key: bytes, event_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(key_of(secret), event_id, timestamp, body),
    }
