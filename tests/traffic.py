"""Steady traffic for restart tests: page views, and inquiries sent the way a
patient visitor sends them (a 503 or a refused connection: Send the same form again)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.conftest import GOOD, form_tokens
from tests.http import FromAddress


@dataclass
class Traffic:
    base_url: str
    pages: tuple[str, ...] = ("/", "/contact")
    session_options: dict[str, Any] = field(default_factory=dict)
    retry_connection_errors: bool = True
    accepted: list[str] = field(default_factory=list)  # messages answered 303
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    failures: list[str] = field(default_factory=list)  # anything a visitor would call broken
    stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Traffic:
        for target in (self._view_pages, self._send_inquiries):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(60)

    def _session(self, address: str | None = None) -> requests.Session:
        """A visitor; from ``address`` (a loopback address) when given, so that a proxy
        limiting requests per address sees a different person."""
        session = requests.Session()
        session.trust_env = False
        if address:
            for scheme in ("http://", "https://"):
                session.mount(scheme, FromAddress(address))
        for name, value in self.session_options.items():
            setattr(session, name, value)
        return session

    def _request(self, session: requests.Session, method: str, path: str, **kw: Any) -> Any:
        """The response, or None after a connection error a visitor would simply retry."""
        try:
            response = session.request(
                method, self.base_url + path, allow_redirects=False, timeout=30, **kw
            )
        except requests.ConnectionError as error:
            if not self.retry_connection_errors:
                self.failures.append(f"{method} {path}: {error}")
            self.connection_errors += 1
            time.sleep(0.2)
            return None
        self.statuses[response.status_code] += 1
        return response

    def _view_pages(self) -> None:
        session = self._session()
        n = 0
        while not self.stop.is_set():
            path = self.pages[n % len(self.pages)]
            n += 1
            response = self._request(session, "GET", path)
            if response is not None and response.status_code != 200:
                self.failures.append(f"GET {path}: {response.status_code}")
            time.sleep(0.02)

    def _send_inquiries(self) -> None:
        n = 0
        while not self.stop.is_set():
            # Each inquiry is another person: nginx's per-address limit is not in the way.
            session = self._session(f"127.0.{n // 250 % 250 + 1}.{n % 250 + 2}")
            page = self._request(session, "GET", "/contact")
            if page is None or page.status_code != 200:
                if page is not None:
                    self.failures.append(f"GET /contact: {page.status_code}")
                continue
            message = f"Steady inquiry {n}"
            n += 1
            data = {**form_tokens(page.text), **GOOD, "message": message}
            headers = {"Referer": self.base_url + "/contact"}
            for _ in range(300):
                response = self._request(session, "POST", "/contact", data=data, headers=headers)
                if response is None and not self.retry_connection_errors:
                    break
                if response is None or response.status_code == 503:
                    time.sleep(0.2)  # the visitor presses Send again, same form
                    continue
                if response.status_code == 303:
                    self.accepted.append(message)
                else:
                    self.failures.append(f"POST /contact: {response.status_code}")
                break
            else:
                self.failures.append(f"{message} never accepted")
            time.sleep(0.1)
