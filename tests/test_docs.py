"""The guides stay true: settings, commands, links and anchors against the code.

Each check runs on the real README.md and docs/*.md, and on a small planted project with one
mistake of each kind, to show that it fails and how it says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from site_app import create_app
from site_app.config import SETTINGS
from site_app.outbox.models import STATES
from tests import docscheck
from tests.docscheck import ROOT


@pytest.fixture(scope="module")
def cli() -> Iterator[tuple[click.Group, click.Context]]:
    """The `flask` command tree as `flask --app wsgi` builds it (Flask-Migrate's `db`
    included: it is registered only inside a click context)."""

    def make() -> Flask:
        return create_app({"APP_ENV": "testing", "DATABASE_URL": "sqlite://"})

    group = FlaskGroup(create_app=make)
    with click.Context(group, obj=ScriptInfo(create_app=make)) as ctx:
        yield group, ctx


def test_every_setting_has_a_row_and_a_line_and_every_row_is_read() -> None:
    problems = docscheck.setting_problems(ROOT, SETTINGS)
    assert not problems, "\n".join(problems)


def test_the_checker_finds_settings_read_but_not_documented_and_rows_never_read(
    tmp_path: Path,
) -> None:
    (tmp_path / "site_app").mkdir()
    (tmp_path / "site_app" / "triage.py").write_text(
        'import os\nlimit = os.environ.get("PLANTED_LIMIT", "3")\n'
        'route = environ.get("PATH_INFO")  # a WSGI environ: no setting\n'
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "settings.md").write_text(
        "| name | default | what it does |\n| --- | --- | --- |\n"
        "| `SITE_URL` | `http://127.0.0.1:8000` | the public base URL |\n"
        "| `NEVER_READ` | `1` | a setting nothing reads |\n"
    )
    (tmp_path / ".env.example").write_text("SITE_URL=https://www.glissando.ai\n# OLD_THING=1\n")

    assert docscheck.setting_problems(tmp_path, ["SITE_URL"]) == [
        "PLANTED_LIMIT is read by the code but has no row in docs/settings.md",
        "PLANTED_LIMIT is read by the code but has no line in .env.example",
        "docs/settings.md has a row for NEVER_READ, which the code never reads",
        ".env.example names OLD_THING, which the code never reads",
    ]


def test_every_quoted_flask_command_and_make_target_exists(
    cli: tuple[click.Group, click.Context],
) -> None:
    problems = docscheck.command_problems(ROOT, *cli)
    assert not problems, "\n".join(problems)


def test_the_checker_finds_commands_options_and_targets_that_do_not_exist(
    tmp_path: Path, cli: tuple[click.Group, click.Context]
) -> None:
    (tmp_path / "Makefile").write_text("run: .venv\n\tgunicorn\n\n.PHONY: run\n")
    (tmp_path / "README.md").write_text(
        "Run `make run`, then `make deploy`.\n\n"
        "```sh\n"
        "flask --app wsgi outbox resend 42      # a command that does not exist\n"
        "flask --app wsgi outbox list --colour red\n"
        "flask outbox list --state lost\n"
        "flask outbox status 42\n"
        "flask --app wsgi outbox list [--state failed] > list.txt  # all fine\n"
        "```\n"
    )
    assert docscheck.command_problems(tmp_path, *cli) == [
        "README.md: the Makefile has no target 'deploy'",
        "README.md: `flask outbox` has no command 'resend'"
        " (in `flask --app wsgi outbox resend 42`)",
        "README.md: `flask outbox list` has no option --colour"
        " (in `flask --app wsgi outbox list --colour red`)",
        f"README.md: `flask outbox list --state` takes {'|'.join(STATES)}, not 'lost'"
        " (in `flask outbox list --state lost`)",
        "README.md: `flask outbox status` takes no argument '42' (in `flask outbox status 42`)",
    ]


def test_every_relative_link_and_anchor_resolves() -> None:
    problems = docscheck.link_problems(ROOT)
    assert not problems, "\n".join(problems)


def test_the_checker_finds_missing_files_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "docs" / "incoming").mkdir(parents=True)
    (tmp_path / "README.md").write_text(
        "# Site\n\n[ops](docs/operating.md#health-checks), [gone](docs/gone.md),\n"
        "[no such part](docs/operating.md#healthchecks), [here](#site), "
        "[home](https://example.com/#x), `[in code](nowhere.md)`\n"
    )
    (tmp_path / "docs" / "operating.md").write_text(
        "# Operating\n\n## Health checks\n\n```sh\n# not a heading\n```\n"
        "[back](../README.md#site) [code](#not-a-heading)\n"
    )
    (tmp_path / "docs" / "incoming" / "triage.md").write_text("[unchecked](nowhere.md)\n")
    assert docscheck.link_problems(tmp_path) == [
        "README.md: link 'docs/gone.md': no file docs/gone.md",
        "README.md: link 'docs/operating.md#healthchecks':"
        " no heading #healthchecks in operating.md",
        "docs/operating.md: link '#not-a-heading': no heading #not-a-heading in operating.md",
    ]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Runbook: faults", "runbook-faults"),
        ("An inquiry, from form to inbox", "an-inquiry-from-form-to-inbox"),
        ("The engine: SQLite FTS5", "the-engine-sqlite-fts5"),
        ("`flask outbox` commands", "flask-outbox-commands"),
        ("[Settings](settings.md) and `.env.example`", "settings-and-envexample"),
        ("OUTBOX_SENDER — what it does", "outbox_sender--what-it-does"),
    ],
)
def test_anchors_follow_githubs_rules(heading: str, anchor: str) -> None:
    assert docscheck.slug(heading) == anchor


def test_repeated_headings_are_numbered() -> None:
    assert docscheck.anchors("# Notes\n\n## Notes\n\n## Notes\n") == {"notes", "notes-1", "notes-2"}
