"""What a webhook carries: the inquiry as JSON, or a Slack incoming-webhook message."""

from __future__ import annotations

import json
from typing import Any

from site_app.outbox.models import CONTEXT_LABELS, Inquiry


def fields(inquiry: Inquiry) -> dict[str, Any]:
    return {
        "id": inquiry.id,
        "name": inquiry.name,
        "email": inquiry.email,
        "service": inquiry.service,
        "message": inquiry.message,
        "context": dict(inquiry.context or {}),
        "created_at": inquiry.created_at.isoformat(timespec="seconds") + "Z",
    }


def standard(inquiry: Inquiry) -> bytes:
    body = {"type": "inquiry.created", **fields(inquiry)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup (links, mentions such as <!channel>).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(inquiry: Inquiry) -> bytes:
    e = _slack_escape
    lines = [
        f"*New inquiry #{inquiry.id}: {e(inquiry.service)} — {e(inquiry.name)}*",
        f"Email: {e(inquiry.email)}",
        *(
            f"{label}: {e(' | '.join(value) if isinstance(value, list) else str(value))}"
            for key, label in CONTEXT_LABELS.items()
            if (value := (inquiry.context or {}).get(key))
        ),
        "",
        "\n".join(f"> {e(line)}" for line in inquiry.message.splitlines()),
    ]
    body = {"text": "\n".join(lines), "mrkdwn": True}
    return json.dumps(body, ensure_ascii=False).encode()
