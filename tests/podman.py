"""podman for the container tests: a Debian base image, the site's image, a running container.

No registry can be reached from these machines, so the base is a Debian root file system
made by mmdebstrap from Debian's packages and imported into podman. It stays in podman's
store between runs (the slow part, about a minute); the site's image is built anew each
run with `make image`, exactly as ops build it, and removed afterwards. podman's own
settings for these machines (vfs, runc with cgroupfs, ulimits) come from
scripts/ensure-tools.sh.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import uuid
from typing import Any

from site_app.config import ROOT

BASE = "localhost/glissando-test-base:bookworm"
DEBIAN = ("bookworm", "python3,python3-venv,ca-certificates")


def podman(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    if not shutil.which("podman"):
        raise RuntimeError("podman is not installed: run `make tools`")
    result = subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)} failed: {result.stderr[-3000:]}")
    return result


def ensure_base() -> str:
    """The Debian base image, made once: mmdebstrap's tarball streamed into `podman import`."""
    if podman("image", "exists", BASE, check=False).returncode == 0:
        return BASE
    suite, packages = DEBIAN
    with tempfile.TemporaryFile() as errors:
        debootstrap = subprocess.Popen(
            ["mmdebstrap", "--quiet", "--variant=minbase", f"--include={packages}", suite, "-"],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        imported = subprocess.Popen(
            ["podman", "import", "--quiet", "-", BASE],
            stdin=debootstrap.stdout,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        if debootstrap.stdout:
            debootstrap.stdout.close()  # podman alone reads it: mmdebstrap sees it close
        if imported.wait(timeout=900) != 0 or debootstrap.wait(timeout=60) != 0:
            podman("rmi", "--force", BASE, check=False)
            errors.seek(0)
            said = errors.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"building the base image failed: {said}")
    return BASE


def build_image(tag: str) -> None:
    """`make image` against the local base, as ops would with theirs."""
    result = subprocess.run(
        ["make", "--no-print-directory", "image", f"BASE={ensure_base()}", f"IMAGE={tag}"]
        + ["ENGINE=podman"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"make image failed: {result.stdout[-3000:]}{result.stderr[-3000:]}")


class Container:
    """`podman run -d` on the host network, read-only; `remove()` deletes it and its volume."""

    def __init__(self, image: str, env: dict[str, str]) -> None:
        self.name = f"glissando-test-{uuid.uuid4().hex[:8]}"
        self.volume = f"{self.name}-data"
        flags = [f"--env={key}={value}" for key, value in env.items()]
        podman(
            "run",
            "--detach",
            f"--name={self.name}",
            "--read-only",
            "--network=host",
            f"--volume={self.volume}:/data",
            *flags,
            image,
        )

    def inspect(self) -> dict[str, Any]:
        data: list[dict[str, Any]] = json.loads(podman("inspect", self.name).stdout)
        return data[0]

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr

    def exec(self, *command: str, user: str = "") -> subprocess.CompletedProcess[str]:
        return podman(
            "exec", *([f"--user={user}"] if user else []), self.name, *command, check=False
        )

    def remove(self) -> None:
        podman("rm", "--force", "--time=0", self.name, check=False)
        podman("volume", "rm", "--force", self.volume, check=False)
