"""Checks that keep README.md and docs/*.md true to the code; tests/test_docs.py runs them.

Each check takes the project's root folder and returns its problems as lines a person can
act on, so the tests can also run it on a small planted project and see it complain.
docs/incoming/ (helpers' notes waiting to be folded in) is never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DOC = "docs/settings.md"

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Reads of the environment by name; WSGI's `environ` (QUERY_STRING, ...) is not os.environ.
_ENV_READ = re.compile(
    r"""os\.(?:environ(?:\.get|\.setdefault|\.pop)?|getenv)\s*[(\[]\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_SETTING = re.compile(r"`([A-Z][A-Z0-9_]+)`")
_EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
_FLASK = re.compile(r"(?:^|[\s/])flask\s+(.+)")
_MAKE = re.compile(r"(?:^|[\s;&(])make\s+(.+)")
_MAKE_RULE = re.compile(r"^([A-Za-z][\w .-]*?)\s*::?(?!=)", re.MULTILINE)
_SHELL_END = {">", ">>", "|", "||", "&&", ";", "<", "2>&1"}


def guides(root: Path) -> list[Path]:
    """README.md and docs/*.md (not docs/incoming/)."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def _lines(markdown: str) -> Iterator[tuple[bool, str]]:
    """Each line, and whether it sits inside a fenced code block."""
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        else:
            yield fenced, line


def split_code(markdown: str) -> tuple[list[str], list[str]]:
    """(prose lines, code): code is each fenced line and each inline code span."""
    prose, code = [], []
    for fenced, line in _lines(markdown):
        if fenced:
            code.append(line)
        else:
            code.extend(_INLINE_CODE.findall(line))
            prose.append(_INLINE_CODE.sub("", line))
    return prose, code


# --- settings ---------------------------------------------------------------------------


def settings_read(root: Path, declared: Iterable[str]) -> set[str]:
    """config.py's SETTINGS (``declared``) and every os.environ read by name in the app,
    the gunicorn config and wsgi.py; names starting with _ are the code's own markers."""
    names = set(declared)
    files = [*(root / "site_app").rglob("*.py"), *(root / "config").glob("*.py"), root / "wsgi.py"]
    for path in files:
        if path.is_file():
            names |= set(_ENV_READ.findall(path.read_text(encoding="utf-8")))
    return names


def settings_documented(markdown: str) -> set[str]:
    """The names in the first cell of each table row."""
    names: set[str] = set()
    for line in markdown.splitlines():
        if line.startswith("|"):
            names |= set(_SETTING.findall(line.split("|")[1]))
    return names


def setting_problems(root: Path, declared: Iterable[str]) -> list[str]:
    read = settings_read(root, declared)
    table = settings_documented((root / SETTINGS_DOC).read_text(encoding="utf-8"))
    example = set(_EXAMPLE_LINE.findall((root / ".env.example").read_text(encoding="utf-8")))
    gaps = (
        (read - table, f"{{}} is read by the code but has no row in {SETTINGS_DOC}"),
        (read - example, "{} is read by the code but has no line in .env.example"),
        (table - read, f"{SETTINGS_DOC} has a row for {{}}, which the code never reads"),
        (example - read, ".env.example names {}, which the code never reads"),
    )
    return [message.format(name) for names, message in gaps for name in sorted(names)]


# --- commands ---------------------------------------------------------------------------


def _words(quoted: str) -> Iterator[str]:
    """A quoted command line's words, up to a comment, a redirection or a pipe; the
    [brackets] that mark optional parts are dropped."""
    for word in quoted.split():
        if word.startswith("#") or word in _SHELL_END or word.startswith(">") or word in "…...":
            return  # "flask …" stands for any command
        if word := word.strip("[]"):
            yield word


def flask_problem(quoted: str, group: click.Group, ctx: click.Context) -> str | None:
    """Walk ``flask <words>`` down the command tree: each word is a subcommand of a group,
    an option of the command reached so far (with its value), or an argument it takes."""
    command: click.Command = group
    path = ["flask"]
    words = list(_words(quoted))
    while words:
        word = words.pop(0)
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            option = next((p for p in command.params if name in (*p.opts, *p.secondary_opts)), None)
            if not isinstance(option, click.Option):
                return f"`{' '.join(path)}` has no option {name}"
            value = word.split("=", 1)[1] if "=" in word else None
            if value is None and not (option.is_flag or option.count) and words:
                value = words.pop(0)
            choices = getattr(option.type, "choices", None)
            if value is not None and choices and not set(value.split("|")) <= set(choices):
                return f"`{' '.join(path)} {name}` takes {'|'.join(choices)}, not {value!r}"
        elif isinstance(command, click.Group):
            found = command.get_command(ctx, word)
            if found is None:
                return f"`{' '.join(path)}` has no command {word!r}"
            command, path = found, [*path, word]
        elif not any(isinstance(p, click.Argument) for p in command.params):
            return f"`{' '.join(path)}` takes no argument {word!r}"
    return None


def make_targets(makefile: str) -> set[str]:
    return {
        name
        for rule in _MAKE_RULE.findall(makefile)
        for name in rule.split()
        if not name.startswith(".")
    }


def command_problems(root: Path, group: click.Group, ctx: click.Context) -> list[str]:
    """Every `flask ...` and `make ...` quoted in code in the guides must exist."""
    targets = make_targets((root / "Makefile").read_text(encoding="utf-8"))
    problems = []
    for path in guides(root):
        for code in split_code(path.read_text(encoding="utf-8"))[1]:
            for quoted in _FLASK.findall(code):
                if problem := flask_problem(quoted, group, ctx):
                    command = " ".join(["flask", *_words(quoted)])
                    problems.append(f"{path.relative_to(root)}: {problem} (in `{command}`)")
            for quoted in _MAKE.findall(code):
                words = [w for w in _words(quoted) if "=" not in w]
                if words and words[0] not in targets:
                    problems.append(
                        f"{path.relative_to(root)}: the Makefile has no target {words[0]!r}"
                    )
    return problems


# --- links and anchors ------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: link text kept, markup and punctuation dropped,
    lower case, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading's anchor, repeats numbered -1, -2 ... as GitHub does."""
    seen: dict[str, int] = {}
    found = set()
    for fenced, line in _lines(markdown):
        if not fenced and (match := _HEADING.match(line)):
            base = slug(match[2])
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def link_problems(root: Path) -> list[str]:
    problems = []
    for path in guides(root):
        prose, _ = split_code(path.read_text(encoding="utf-8"))
        for target in _LINK.findall("\n".join(prose)):
            if re.match(r"^[a-z][a-z0-9+.-]*:|^//", target):
                continue  # another site, mailto:, ...
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            where = f"{path.relative_to(root)}: link {target!r}"
            if not linked.exists():
                problems.append(f"{where}: no file {file}")
            elif anchor and linked.suffix == ".md":
                if anchor not in anchors(linked.read_text(encoding="utf-8")):
                    problems.append(f"{where}: no heading #{anchor} in {linked.name}")
    return problems
