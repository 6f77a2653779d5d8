"""Debian's Prometheus server scrapes a running gunicorn: the backlog alert fires while
the relay is down, and resolves once the relay is back and the inquiry delivered.

The rules are a test copy of config/prometheus/alerts.yml in which only the backlog
rule's threshold (900 s) and wait (5m) are shortened, to 3 s and 1 s.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from site_app.devmail import free_port
from tests.conftest import wait_for
from tests.http import send_inquiry
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

pytestmark = pytest.mark.slow
RULES = Path(__file__).resolve().parent.parent / "config" / "prometheus" / "alerts.yml"


def shortened_rules(folder: Path) -> Path:
    text = RULES.read_text()
    start = text.index("- alert: GlissandoMailBacklog")
    end = text.index("- alert:", start + 1)
    rule = text[start:end]
    assert rule.count("> 900") == 1 and rule.count("for: 5m") == 1
    path = folder / "alerts.yml"
    path.write_text(
        text[:start] + rule.replace("> 900", "> 3").replace("for: 5m", "for: 1s") + text[end:]
    )
    return path


class Prometheus:
    def __init__(self, folder: Path, target: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = folder / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: [{shortened_rules(folder)}]\n"
            "scrape_configs:\n"
            f"  - {{job_name: glissando, static_configs: [{{targets: ['{target}']}}]}}\n"
        )
        self.log = folder / "prometheus.log"
        self.command = [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
        ]

    def __enter__(self) -> Prometheus:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.ready, timeout=60, what="Prometheus to be ready")
        return self

    def ready(self) -> bool:
        try:
            return requests.get(self.url + "/-/ready", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def firing(self) -> set[str]:
        alerts = requests.get(self.url + "/api/v1/alerts", timeout=5).json()["data"]["alerts"]
        return {a["labels"]["alertname"] for a in alerts if a["state"] == "firing"}

    def value(self, query: str) -> float | None:
        answer = requests.get(self.url + "/api/v1/query", params={"query": query}, timeout=5)
        result = answer.json()["data"]["result"]
        return float(result[0]["value"][1]) if result else None


def test_backlog_alert_fires_while_the_relay_is_down_and_resolves_when_it_is_back(
    tmp_path: Path,
) -> None:
    relay_port = free_port()
    metrics = f"127.0.0.1:{free_port()}"
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(relay_port),  # nothing listens there yet: the relay is down
        "MAIL_TIMEOUT": "2",
        "CONTACT_MIN_FILL_SECONDS": "0",
        "OUTBOX_POLL_SECONDS": "0.5",
        "OUTBOX_FIRST_RETRY_SECONDS": "1",
        "OUTBOX_MAX_BACKOFF_SECONDS": "1",
        "METRICS_BIND": metrics,
    }
    with (
        Gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as site,
        Prometheus(tmp_path, metrics) as prometheus,
    ):
        wait_for(lambda: prometheus.value('up{job="glissando"}') == 1, what="a first scrape")
        assert prometheus.firing() == set()
        assert send_inquiry(site.url) == 303
        wait_for(
            lambda: "GlissandoMailBacklog" in prometheus.firing(),
            timeout=60,
            what="the backlog alert to fire",
        )
        # The outage is an alert, not an outage of the site.
        assert requests.get(site.url + "/readyz", timeout=10).json()["status"] == "ok"
        assert requests.get(site.url + "/", timeout=10).status_code == 200
        with SMTPServer(port=relay_port) as relay:
            wait_for(lambda: len(relay.received) == 1, timeout=60, what="the delivery")
            wait_for(
                lambda: "GlissandoMailBacklog" not in prometheus.firing(),
                timeout=60,
                what="the backlog alert to resolve",
            )
            assert prometheus.value("glissando_outbox_oldest_pending_age_seconds") == 0
            delivered = 'glissando_outbox_delivery_attempts_total{outcome="delivered"}'
            wait_for(lambda: prometheus.value(delivered) == 1, what="the delivery counted")
