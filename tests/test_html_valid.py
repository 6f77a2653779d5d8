"""The Nu HTML checker finds no errors on any page the site serves, nor in its CSS and SVG."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.browser.pages import PAGES, ROOT, STATUS, running_site
from tests.conftest import form_tokens
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

pytestmark = pytest.mark.slow

VNU = ROOT / ".tools" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    with SMTPServer() as smtp:
        workdir = tmp_path_factory.mktemp("html")
        with running_site(workdir, smtp.port, "html-valid.log") as server:
            yield server


def served_pages(site: Gunicorn, folder: Path) -> list[str]:
    """Every page as the checker should see it: 200s by URL, the rest saved to files."""
    targets = []
    session = requests.Session()
    for name, path in PAGES.items():
        if name == "contact-errors":
            form = session.get(site.url + path)
            response = session.post(site.url + path, data=form_tokens(form.text))
        else:
            response = session.get(site.url + path)
        assert response.status_code == STATUS.get(name, 200), name
        assert response.headers["Content-Type"] == "text/html; charset=utf-8", name
        if response.status_code == 200:
            targets.append(response.url)
        else:
            file = folder / f"{name}.html"
            file.write_bytes(response.content)
            targets.append(str(file))
    not_allowed = session.post(site.url + "/")  # the generic error page
    assert not_allowed.status_code == 405
    (folder / "method-not-allowed.html").write_bytes(not_allowed.content)
    return [*targets, str(folder / "method-not-allowed.html")]


def test_every_page_css_and_svg_are_valid(site: Gunicorn, tmp_path: Path) -> None:
    assert VNU.exists(), "vnu.jar is missing: run scripts/ensure-tools.sh"
    targets = served_pages(site, tmp_path)
    # A page known to be broken proves the checker really ran over the list.
    canary = tmp_path / "canary.html"
    canary.write_text('<!doctype html><html lang="en"><title>x</title><p><li>stray</p>')
    static = [str(ROOT / "static" / "site.css"), str(ROOT / "static" / "favicon.svg")]
    result = subprocess.run(
        [
            "java",
            "-Dnu.validator.servlet.allow-forbidden-hosts=true",
            "-jar",
            str(VNU),
            "--stdout",
            "--format",
            "json",
            "--also-check-css",
            "--also-check-svg",
            *targets,
            *static,
            str(canary),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    messages = json.loads(result.stdout)["messages"]
    for m in messages:
        print(f"{m.get('url')}:{m.get('lastLine')}: {m['type']}/{m.get('subType')}: {m['message']}")
    errors = [m for m in messages if m["type"] != "info"]
    assert any(m["url"].endswith("canary.html") for m in errors), "the checker did not run"
    errors = [m for m in errors if not m["url"].endswith("canary.html")]
    assert errors == [], f"{len(errors)} errors from the Nu HTML checker (printed above)"
