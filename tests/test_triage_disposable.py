"""The disposable domains as shipped (site_app/triage/disposable.bin): every domain of the
installed disposable-email-domains package and nothing else, and a list built from another
release, or damaged, stops start-up with what to run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import disposable_email_domains
import pytest

from site_app.triage import Submission, judge
from site_app.triage import disposable as shipped
from site_app.triage.memory import LocalMemory


def test_the_shipped_list_is_the_packages() -> None:
    trie = shipped.load()
    assert set(trie.keys()) == disposable_email_domains.blocklist
    assert shipped.listed("mailinator.com") and not shipped.listed("glissando.ai")


def test_judge_names_a_disposable_address() -> None:
    submission = Submission(
        "Ann", "ann@mailinator.com", "Chatbot", "A quote for a bot?", False, 60.0, False, "c"
    )
    assert "disposable" in judge(submission, LocalMemory()).signals


def test_a_list_from_another_release_or_damaged_is_refused(tmp_path: Path) -> None:
    data = shipped.SHIPPED.read_bytes()
    other = tmp_path / "other.bin"
    other.write_bytes(data[:8] + (1).to_bytes(8, "little") + data[16:])  # another size
    with pytest.raises(shipped.StaleList, match="run make fit"):
        shipped.load(other)
    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(data[:5])
    with pytest.raises(shipped.StaleList, match="damaged"):
        shipped.load(damaged)
    shipped.load()  # the shipped list again, for the tests after this one


def test_a_worker_never_imports_the_package() -> None:
    code = (
        "import sys, os; os.environ.setdefault('SECRET_KEY', 'x' * 40);"
        "from site_app import create_app; create_app();"
        "print('disposable_email_domains' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.stdout.strip() == "False", found.stderr[-2000:]
