"""The lock files: every package hashed, and every install reading them in hash-checking mode.

The wheels are fetched once into a wheelhouse; the installs then run offline from it
(--no-index, no pip configuration), so what is tested is pip's check of the files against
the lock, not what some index serves today. requirements-data.txt (packages whose files the
site reads, installed without their requirements) is held to the same checks.
"""

from __future__ import annotations

import json
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
DATA = "requirements-data.txt"
# What wordllama requires, which the site never imports: some 130 MB that the image and
# `make run` no longer install (the dev lock keeps them; tests use tokenizers).
UNUSED = {"numpy", "tokenizers", "hf-xet", "huggingface-hub", "pydantic", "safetensors"}
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
    for lock in ("requirements.txt", DATA):
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--require-hashes", "--no-deps"]
            + ["--only-binary=:all:", "--dest", str(folder), "--requirement", str(ROOT / lock)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert fetched.returncode == 0, fetched.stderr[-3000:]
    return folder


def install_offline(
    wheelhouse: Path, lock: Path, target: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    return pip(
        "install", "--quiet", "--no-index", f"--find-links={wheelhouse}", "--require-hashes",
        f"--target={target}", f"--requirement={lock}", *options,
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


def test_the_data_lock_is_the_dev_locks_pins_of_the_data_packages_alone() -> None:
    """requirements-data.txt is written by `make lock` (scripts/lock_data.py) from the dev
    lock: the same versions and hashes, for exactly the packages requirements-data.in names."""
    data, dev, runtime = pins(DATA), pins("requirements-dev.txt"), pins("requirements.txt")
    text = (ROOT / DATA).read_text()
    assert len(re.findall(r"(?m)^[a-z0-9][^\s#]*", text)) == len(data), "name==version lines only"
    named = re.findall(r"(?m)^[a-z0-9][a-z0-9._-]*", (ROOT / "requirements-data.in").read_text())
    assert sorted(data) == sorted(named) == ["wordllama"]
    assert all(data[name] == dev[name] for name in data), "as in the dev lock, every hash"
    assert not data.keys() & runtime.keys(), "installed once, from one file"


def test_the_runtime_lock_leaves_out_what_the_data_packages_require() -> None:
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert not UNUSED & runtime.keys(), sorted(UNUSED & runtime.keys())
    assert UNUSED <= dev.keys(), "the dev lock stays complete: wordllama with its requirements"


def test_the_site_runs_from_the_runtime_install_alone(wheelhouse: Path, tmp_path: Path) -> None:
    """`make run`'s and the image's install (the lock, then the data lock with --no-deps) is
    enough: every module of the site imports, the app starts (it reads WordLlama's weights
    for the assistant's index) and the assistant answers by meaning, with none of UNUSED
    importable. python -S leaves this venv's site-packages, which hold them, off the path."""
    site = tmp_path / "site"
    installed = install_offline(wheelhouse, ROOT / "requirements.txt", site)
    assert installed.returncode == 0, installed.stderr[-3000:]
    data = install_offline(wheelhouse, ROOT / DATA, site, "--no-deps")
    assert data.returncode == 0, data.stderr[-3000:]
    assert (site / "flask").is_dir() and (site / "wordllama" / "weights").is_dir()
    script = f"""
import importlib, importlib.util, json, pkgutil, sys
sys.path[:0] = [{str(site)!r}, {str(ROOT)!r}]
import site_app
for module in pkgutil.walk_packages(site_app.__path__, "site_app."):
    importlib.import_module(module.name)
app = site_app.create_app({{"APP_ENV": "testing", "DATABASE_URL": "sqlite://"}})
asked = app.test_client().get(
    "/ask", query_string={{"q": "Is it bad for the planet?"}},
    headers={{"Accept": "application/json"}},
)
unused = [m for m in {sorted(UNUSED)!r} if importlib.util.find_spec(m.replace("-", "_"))]
print(json.dumps([[a["key"] for a in asked.get_json()["answers"]], unused]))
"""
    ran = subprocess.run(
        [sys.executable, "-S", "-c", script], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    keys, unused = json.loads(ran.stdout.splitlines()[-1])
    assert keys[:1] == ["challenges-and-concerns"], "found by meaning: the words alone miss it"
    assert unused == []


def tamper(
    tmp_path: Path,
    change: Callable[[str], str],
    lock: str = "requirements.txt",
    name: str = "flask",
) -> Path:
    """A copy of ``lock`` whose ``name`` entry ``change`` rewrote."""
    text = (ROOT / lock).read_text()
    block = re.search(rf"(?m)^{name}==\S+(?: \\\n\s+--hash=sha256:[0-9a-f]{{64}})+", text)
    assert block, f"{lock} locks {name} with hashes"
    copy = tmp_path / lock
    copy.write_text(text.replace(block[0], change(block[0])))
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


def test_a_wrong_hash_fails_the_data_install_without_dependencies_too(
    wheelhouse: Path, tmp_path: Path
) -> None:
    """--no-deps skips what wordllama requires, not the check of its own file."""
    lock = tamper(tmp_path, lambda b: re.sub("[0-9a-f]{64}", "0" * 64, b), DATA, "wordllama")
    refused = install_offline(wheelhouse, lock, tmp_path / "site", "--no-deps")
    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE" in refused.stderr
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
    shutil.copy(ROOT / DATA, tmp_path / DATA)
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
    read = [re.findall(r"-r (\S+)", line) for line in pip_lines]
    # make run's venv (the lock, then the data lock), make test's venv, the image's wheels
    runtime = [["requirements.txt"], [DATA]]
    assert read == [*runtime, ["requirements-dev.txt"], *runtime], lines
    for line in pip_lines:
        assert "--require-hashes" in line, line
        assert DATA not in line or "--no-deps" in line, line
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("make test")


def test_make_lock_writes_both_locks_with_hashes_from_the_index_alone() -> None:
    made = commands("lock")
    lines = [line for line in made if "pip-compile" in line]
    assert [line.split()[-1] for line in lines] == ["requirements.in", "requirements-dev.in"]
    for line in lines:
        assert "--generate-hashes" in line and "--upgrade" not in line
        assert "PIP_CONFIG_FILE=/dev/null" in line and "-u PIP_FIND_LINKS" in line
    # Then the data lock, from the dev lock just written.
    assert made[-1].endswith(f"lock_data.py requirements-data.in requirements-dev.txt {DATA}")


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
    [run] = [line for line in dockerfile.splitlines() if "pip install" in line]
    installs = [step for step in run.split("&&") if "pip install" in step]
    assert [re.findall(r"-r (\S+)", step) for step in installs] == [
        ["/tmp/requirements.txt"],
        [f"/tmp/{DATA}"],
    ]
    assert all("--require-hashes" in step and "--no-deps" in step for step in installs)
    # pip check proves the lock complete before the data packages come without theirs.
    assert run.index("-r /tmp/requirements.txt") < run.index("pip check") < run.index(DATA)
    assert "COPY requirements.txt /tmp/requirements.txt" in dockerfile
    assert f"COPY {DATA} /tmp/{DATA}" in dockerfile
    assert f"!{DATA}" in (ROOT / ".dockerignore").read_text().splitlines()
