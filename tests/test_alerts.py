"""The alert rules are valid, and each one is tested by `promtool test rules`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

RULES = Path(__file__).resolve().parent.parent / "config" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["promtool", *args], cwd=RULES, capture_output=True, text=True, timeout=120
    )


def test_the_rules_are_valid() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 6 rules found" in result.stdout


def test_every_alert_fires_when_it_should_and_not_before() -> None:
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_case_in_the_tests() -> None:
    alerts = re.findall(r"^\s+- alert: (\w+)$", (RULES / "alerts.yml").read_text(), re.M)
    tests = (RULES / "alerts.test.yml").read_text()
    firing = re.findall(r"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels", tests)
    assert len(alerts) == 6
    assert set(alerts) == set(firing)
