"""A visitor over real HTTP: load the form, keep the cookie, send it."""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

from tests.conftest import GOOD, form_tokens


class FromAddress(HTTPAdapter):
    """Connect from a given loopback address: a proxy sees a different client."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def visitor_from(address: str, verify: str | bool = True) -> requests.Session:
    """A session whose connections come from ``address``; ``verify``: a CA file or a bool."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise win over verify
    session.verify = verify
    for scheme in ("http://", "https://"):
        session.mount(scheme, FromAddress(address))
    return session


def send_inquiry(base_url: str, session: requests.Session | None = None, **fields: str) -> int:
    """Return the status of the POST (303 when accepted); redirects are not followed.

    The Referer is the form's, as a browser sends it: over https the CSRF check wants it.
    """
    session = session or requests.Session()
    page = session.get(base_url + "/contact", timeout=30)
    page.raise_for_status()
    data = {**form_tokens(page.text), **GOOD, **fields}
    response = session.post(
        base_url + "/contact",
        data=data,
        headers={"Referer": base_url + "/contact"},
        allow_redirects=False,
        timeout=30,
    )
    return response.status_code
