"""The lock files: every package hashed, and every install reading them in hash-checking mode.

The wheels are fetched once into a wheelhouse; the installs then run offline from it
(--no-index, no pip configuration), so what is tested is pip's check of the files against
the lock, not what some index serves today.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from site_app.config import ROOT

pytestmark = pytest.mark.slow
LOCKS = ("requirements.txt", "requirements-dev.txt")
PINNED = re.compile(r"(?m)^([a-z0-9][a-z0-9._-]*)==(\S+)((?: \\\n\s+--hash=sha256:[0-9a-f]{64})*)")


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes)"""
    text = (ROOT / lock).read_text()
    return {m[1]: (m[2], m[3].count("--hash=")) for m in PINNED.finditer(text)}


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    # No pip.conf, no PIP_* variables: this machine's local indexes must not take part.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    command = [sys.executable, "-m", "pip", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    lock = str(ROOT / "requirements.txt")
    fetched = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--require-hashes", "--no-deps"]
        + ["--only-binary=:all:", "--dest", str(folder), "--requirement", lock],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fetched.returncode == 0, fetched.stderr[-3000:]
    return folder


def install_offline(wheelhouse: Path, lock: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return pip(
        "install", "--quiet", "--no-index", f"--find-links={wheelhouse}", "--require-hashes",
        f"--target={target}", f"--requirement={lock}",
    )  # fmt: skip


def test_every_locked_package_has_a_hash() -> None:
    for lock in LOCKS:
        text = (ROOT / lock).read_text()
        locked = pins(lock)
        named = re.findall(r"(?m)^[a-z0-9][^\s#]*", text)
        assert len(named) == len(locked) > 10, f"{lock}: a line that is not name==version"
        assert all(count >= 1 for _, count in locked.values()), lock
        assert not re.search(r"(?m)^\s*-(r|c|e|-index-url|-extra-index-url|-find-links)\b", text)


def test_the_dev_lock_holds_the_runtime_lock_at_the_same_versions() -> None:
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert {name: version for name, (version, _) in runtime.items()} == {
        name: dev[name][0] for name in runtime
    }
    assert {"pytest", "mypy", "pip-tools", "pip"} <= dev.keys()


def test_the_lock_installs_offline_from_the_wheelhouse(wheelhouse: Path, tmp_path: Path) -> None:
    installed = install_offline(wheelhouse, ROOT / "requirements.txt", tmp_path / "site")
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert (tmp_path / "site" / "flask").is_dir() and (tmp_path / "site" / "gunicorn").is_dir()


def tamper(tmp_path: Path, change: Callable[[str], str]) -> Path:
    """A copy of requirements.txt whose flask entry ``change`` rewrote."""
    lock = (ROOT / "requirements.txt").read_text()
    block = re.search(r"(?m)^flask==\S+(?: \\\n\s+--hash=sha256:[0-9a-f]{64})+", lock)
    assert block, "requirements.txt locks flask with hashes"
    copy = tmp_path / "requirements.txt"
    copy.write_text(lock.replace(block[0], change(block[0])))
    return copy


def test_a_wrong_hash_fails_the_install_with_pips_own_error(
    wheelhouse: Path, tmp_path: Path
) -> None:
    # As if flask's wheel on the index were not the one locked: every flask hash is wrong.
    lock = tamper(tmp_path, lambda block: re.sub("[0-9a-f]{64}", "0" * 64, block))
    refused = install_offline(wheelhouse, lock, tmp_path / "site")
    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE" in refused.stderr
    assert re.search(r"flask==\S+ from .*\n\s+Expected sha256 0{64}", refused.stderr)
    assert not (tmp_path / "site").exists(), "nothing is installed"


def test_a_package_without_a_hash_fails_the_install(wheelhouse: Path, tmp_path: Path) -> None:
    lock = tamper(tmp_path, lambda block: block.split(" ")[0])
    refused = install_offline(wheelhouse, lock, tmp_path / "site")
    assert refused.returncode != 0
    assert "Hashes are required in --require-hashes mode" in refused.stderr
    assert "flask==" in refused.stderr


def test_make_runs_install_refuses_a_changed_file(wheelhouse: Path, tmp_path: Path) -> None:
    """`make run`'s own install (.venv/.runtime), offline from the wheelhouse."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    tamper(tmp_path, lambda block: re.sub("[0-9a-f]{64}", "0" * 64, block))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse)}
    made = subprocess.run(
        ["make", "--no-print-directory", ".venv/.runtime", "PY=python3"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE" in made.stderr
    assert not (tmp_path / ".venv" / ".runtime").exists()


def commands(*targets: str) -> list[str]:
    """What make would run for these targets from scratch (-B), without running it (-n)."""
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", *targets],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dry.stdout.replace("\\\n", " ").splitlines()


def test_make_installs_and_downloads_only_in_hash_checking_mode() -> None:
    lines = commands(".venv/.runtime", ".venv/.dev", "image")
    pip_lines = [line for line in lines if re.search(r"\bpip (install|download)\b", line)]
    assert len(pip_lines) == 3, lines  # make run's venv, make test's venv, the image's wheels
    for line in pip_lines:
        assert "--require-hashes" in line, line
        assert len(re.findall(r"-r \S+", line)) == 1, f"one lock file per install: {line}"
    assert any("-r requirements.txt" in line for line in pip_lines)
    assert any("-r requirements-dev.txt" in line for line in pip_lines)
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("make test")


def test_make_lock_writes_both_locks_with_hashes_from_the_index_alone() -> None:
    lines = [line for line in commands("lock") if "pip-compile" in line]
    assert [line.split()[-1] for line in lines] == ["requirements.in", "requirements-dev.in"]
    for line in lines:
        assert "--generate-hashes" in line and "--upgrade" not in line
        assert "PIP_CONFIG_FILE=/dev/null" in line and "-u PIP_FIND_LINKS" in line


@pytest.mark.parametrize(
    ("upgrade", "flags"),
    [
        ("flask", ["--upgrade-package flask"]),
        ("flask werkzeug", ["--upgrade-package flask", "--upgrade-package werkzeug"]),
        ("all", ["--upgrade "]),
    ],
)
def test_make_lock_upgrades_only_what_it_is_told(upgrade: str, flags: list[str]) -> None:
    lines = [line for line in commands("lock", f"UPGRADE={upgrade}") if "pip-compile" in line]
    assert len(lines) == 2
    for line in lines:
        assert all(flag in line for flag in flags), line
        assert line.count("--upgrade") == len(flags)


def test_the_image_installs_the_lock_in_hash_checking_mode() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    [install] = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert "--require-hashes" in install and "-r /tmp/requirements.txt" in install
    assert "COPY requirements.txt /tmp/requirements.txt" in dockerfile
