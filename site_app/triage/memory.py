"""A Memory kept in a process's memory: for tests, the corpus bench, and a site with no
database to ask. It remembers each submission's text for a day and what was marked."""

from __future__ import annotations

import time
from collections.abc import Callable

from site_app.triage.engine import fingerprints, text_fingerprint
from site_app.triage.model import Recalled, Submission

DAY = 86400.0


class LocalMemory:
    def __init__(self, clock: Callable[[], float] = time.time, window: float = DAY) -> None:
        self.clock, self.window = clock, window
        self.seen: dict[str, dict[str, float]] = {}  # text fingerprint -> client -> when
        self.spam: set[str] = set()

    def remember(self, submission: Submission) -> None:
        """What storing the inquiry does: later submissions see its text and client."""
        clients = self.seen.setdefault(text_fingerprint(submission.message), {})
        clients[submission.client] = self.clock()

    def mark_spam(self, submission: Submission) -> None:
        self.spam |= fingerprints(submission)

    def recall(self, fingerprints: frozenset[str], text_fingerprint: str) -> Recalled:
        since = self.clock() - self.window
        others = self.seen.get(text_fingerprint, {}).values()
        return Recalled(
            marked_spam=not self.spam.isdisjoint(fingerprints),
            campaign_clients=sum(when >= since for when in others),
        )
