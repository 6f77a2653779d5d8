"""The outbox's figures, read from the database at each scrape.

Every host reports the shared truth (all hosts' inquiries), so alerts
aggregate with ``max by (job)`` rather than summing hosts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from site_app.extensions import db
from site_app.outbox import deliveries, store
from site_app.outbox.models import WEBHOOK, Inquiry, db_now

log = logging.getLogger(__name__)


class OutboxCollector(Collector):
    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "glissando_database_up", "1 when the database answered this scrape, else 0."
        )
        with self.app.app_context():
            try:
                counts = store.counts()
                oldest = store.oldest_pending()
                last = db.session.scalar(select(func.max(Inquiry.delivered_at)))
                webhook_counts = deliveries.counts(WEBHOOK)
                webhook_oldest = deliveries.oldest_pending(WEBHOOK)
                now = db_now()
            except Exception:  # noqa: BLE001 - reported as glissando_database_up 0
                log.warning("metrics: the database did not answer", exc_info=True)
                up.add_metric([], 0)
                yield up
                return
            finally:
                db.session.remove()
        up.add_metric([], 1)
        yield up
        yield _by_state("glissando_outbox_inquiries", "Inquiries in the outbox by state.", counts)
        yield GaugeMetricFamily(
            "glissando_outbox_oldest_pending_age_seconds",
            "Age of the oldest inquiry not yet delivered (0 when none).",
            value=_age(now, oldest),
        )
        yield GaugeMetricFamily(
            "glissando_outbox_last_delivery_timestamp_seconds",
            "Unix time of the newest successful delivery (0 when none is kept).",
            value=0 if last is None else last.replace(tzinfo=UTC).timestamp(),
        )
        yield _by_state(
            "glissando_webhook_deliveries",
            "Webhook deliveries (WEBHOOK_URL) by state; all 0 when no webhook is set.",
            webhook_counts,
        )
        yield GaugeMetricFamily(
            "glissando_webhook_oldest_pending_age_seconds",
            "Age of the oldest inquiry whose webhook is not yet delivered (0 when none).",
            value=_age(now, webhook_oldest),
        )


def _by_state(name: str, documentation: str, counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["state"])
    for state, count in counts.items():
        family.add_metric([state], count)
    return family


def _age(now: datetime, oldest: datetime | None) -> float:
    return 0 if oldest is None else max((now - oldest).total_seconds(), 0)
