"""The npm tools (vnu-jar for the tests, lighthouse for `make audit`): each locked under
tools/ with every package's sha512, installed only by `npm ci`, which refuses a tarball that
is not the locked one (shown offline, with a look-alike tarball in place of vnu-jar's)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from site_app.config import ROOT

TOOLS = {"vnu": {"vnu-jar": "26.9.27"}, "lighthouse": {"lighthouse": "12.2.3"}}


def read(tool: str, name: str) -> Any:
    return json.loads((ROOT / "tools" / tool / name).read_text())


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_each_tool_is_locked_exactly_with_integrity(tool: str) -> None:
    manifest, lock = read(tool, "package.json"), read(tool, "package-lock.json")
    wanted = manifest["dependencies"]
    assert TOOLS[tool].items() <= wanted.items()
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in wanted.values()), "exact versions"
    assert lock["lockfileVersion"] == 3 and lock["packages"][""]["dependencies"] == wanted
    packages = {path: entry for path, entry in lock["packages"].items() if path}
    assert all(packages[f"node_modules/{n}"]["version"] == v for n, v in wanted.items())
    for path, entry in packages.items():
        assert entry["integrity"].startswith("sha512-"), path
        assert entry["resolved"].startswith("https://registry.npmjs.org/"), path


def test_ensure_tools_installs_from_the_locks_with_npm_ci_only() -> None:
    script = (ROOT / "scripts" / "ensure-tools.sh").read_text()
    code = [line for line in script.splitlines() if not line.lstrip().startswith(("#", "echo"))]
    runs = [m for line in code for m in re.findall(r"(?:^|&&|\(|;)\s*(npm \w+[^)\n]*)", line)]
    assert runs and all(run.startswith("npm ci --ignore-scripts") for run in runs), runs
    assert "npm_tool vnu " in script and "npm_tool lighthouse " in script


def integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def npm_ci(project: Path) -> subprocess.CompletedProcess[str]:
    command = ["npm", "ci", "--ignore-scripts", "--offline", "--no-audit", "--no-fund"]
    command += ["--cache", str(project.parent / "cache")]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)


def test_npm_ci_refuses_a_tarball_that_is_not_the_locked_one(tmp_path: Path) -> None:
    assert shutil.which("npm"), "npm is missing: run scripts/ensure-tools.sh"
    package = tmp_path / "package"
    package.mkdir()
    (package / "package.json").write_text('{"name": "vnu-jar", "version": "26.9.27"}')
    (package / "vnu-jar.js").write_text("console.log('not the Nu checker')\n")
    look_alike = tmp_path / "vnu-jar-26.9.27.tgz"
    with tarfile.open(look_alike, "w:gz") as archive:
        archive.add(package, arcname="package")
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "tools" / "vnu" / "package.json", project)
    lock = read("vnu", "package-lock.json")
    entry = lock["packages"]["node_modules/vnu-jar"]
    entry["resolved"] = look_alike.as_uri()  # the locked integrity stays
    (project / "package-lock.json").write_text(json.dumps(lock))
    refused = npm_ci(project)
    assert refused.returncode != 0 and "EINTEGRITY" in refused.stderr, refused.stderr[-2000:]
    assert not (project / "node_modules" / "vnu-jar").exists()
    # The same tarball with its own hash in the lock installs: only the hash refused it.
    entry["integrity"] = integrity(look_alike)
    (project / "package-lock.json").write_text(json.dumps(lock))
    installed = npm_ci(project)
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert (project / "node_modules" / "vnu-jar" / "vnu-jar.js").exists()
