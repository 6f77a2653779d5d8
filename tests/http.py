"""A visitor over real HTTP: load the form, keep the cookie, send it."""

from __future__ import annotations

import requests

from tests.conftest import GOOD, form_tokens


def send_inquiry(base_url: str, session: requests.Session | None = None, **fields: str) -> int:
    """Return the status of the POST (303 when accepted); redirects are not followed."""
    session = session or requests.Session()
    page = session.get(base_url + "/contact", timeout=30)
    page.raise_for_status()
    data = {**form_tokens(page.text), **GOOD, **fields}
    response = session.post(base_url + "/contact", data=data, allow_redirects=False, timeout=30)
    return response.status_code
