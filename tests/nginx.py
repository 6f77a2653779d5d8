"""Debian's nginx with config/nginx.conf.example, on loopback, in front of given app hosts.

The example is used as written except for what names this machine: upstream
addresses, ports, the host name, certificate and cache paths. Each of those
substitutions must match, so an edit to the example that breaks one fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from site_app.config import ROOT
from site_app.devmail import free_port

EXAMPLE = ROOT / "config" / "nginx.conf.example"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost (also the CA file a client trusts)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "2", "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def configure(
    example: str,
    upstreams: list[str],
    folder: Path,
    http: int,
    https: int,
    locations: str = "",
    ipv6: bool = False,
) -> str:
    """``ipv6``: the example's ``[::]`` listeners listen on ``[::1]`` (the same ports);
    otherwise they are dropped, for machines without IPv6 on loopback."""
    cert, key = self_signed(folder)
    servers = "".join(f"    server {u} max_fails=3 fail_timeout=10s;\n" for u in upstreams)
    listen6: list[tuple[str, str]] = [
        (r"listen \[::\]:80;", f"listen [::1]:{http};"),
        (r"listen \[::\]:443 ssl", f"listen [::1]:{https} ssl"),
    ]
    swaps = [
        (r"(?m)^    server 10\.0\.0\.\d+:8000[^\n]*\n(?:    server 10\.0\.0[^\n]*\n)*", servers),
        *(listen6 if ipv6 else [(r"(?m)^\s*listen \[::\][^\n]*\n", "")]),
        (r"listen 80;", f"listen 127.0.0.1:{http};"),
        (r"listen 443 ssl", f"listen 127.0.0.1:{https} ssl"),
        (r"server_name www\.glissando\.ai glissando\.ai;", "server_name localhost;"),
        (r"server_name www\.glissando\.ai;", "server_name localhost;"),
        (r"https://www\.glissando\.ai\$request_uri", f"https://localhost:{https}$request_uri"),
        (r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};"),
        (r"/var/cache/nginx/glissando", str(folder / "cache")),
        (r"(?m)^    location / \{", f"{locations}\n    location / {{"),
    ]
    text = example
    for pattern, replacement in swaps:
        text, found = re.subn(pattern, replacement.replace("\\", "\\\\"), text)
        assert found, f"{EXAMPLE.name} no longer has {pattern!r}"
    return text


class Nginx:
    """``nginx -p <folder> -c <folder>/nginx.conf`` in the foreground.

    ``locations`` joins the site's server block (a benchmark's comparison page), ``http``
    the http block before it (a test's ``set_real_ip_from``); ``ipv6`` listens on [::1] too.
    """

    def __init__(
        self,
        upstreams: list[str],
        locations: str = "",
        workers: int | str = 1,
        http: str = "",
        ipv6: bool = False,
    ) -> None:
        self.ipv6 = ipv6
        self.folder = Path(tempfile.mkdtemp(prefix="glissando-nginx-", dir="/tmp"))
        self.folder.chmod(0o755)  # nginx's workers run unprivileged and must reach the cache
        (self.folder / "tmp").mkdir()
        self.http_port, self.https_port = free_port(), free_port()
        # By name: TLS clients send no SNI for an address, and the example's default
        # server refuses a handshake without a known name.
        self.url = f"https://localhost:{self.https_port}"
        self.http_url = f"http://localhost:{self.http_port}"
        site = self.site_config(upstreams, locations)
        self.cert = self.folder / "cert.pem"
        temp = "\n".join(
            f"    {kind}_temp_path {self.folder / 'tmp' / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        self.config = self.folder / "nginx.conf"
        self.config.write_text(
            f"daemon off;\nworker_processes {workers};\npid {self.folder / 'nginx.pid'};\n"
            f"error_log {self.folder / 'error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n    include /etc/nginx/mime.types;\n"
            f"    access_log {self.folder / 'access.log'};\n{temp}\n{http}\n{site}}}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def site_config(self, upstreams: list[str], locations: str) -> str:
        return configure(
            EXAMPLE.read_text(),
            upstreams,
            self.folder,
            self.http_port,
            self.https_port,
            locations,
            self.ipv6,
        )

    def start(self, wait: float = 20) -> Nginx:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise RuntimeError("nginx is not installed: run `make tools` (nginx-light)")
        with open(self.folder / "stderr.log", "wb") as stderr:
            self.process = subprocess.Popen(
                [binary, "-p", str(self.folder), "-c", str(self.config), "-e", "stderr"],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.http_port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen on {self.http_port}: {self.log()}")

    def log(self) -> str:
        logs = [self.folder / "stderr.log", self.folder / "error.log"]
        return "".join(p.read_text(errors="replace")[-2000:] for p in logs if p.exists())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ComposeNginx(Nginx):
    """Debian's nginx with config/nginx.compose.conf, the file compose.yaml mounts, on
    plain HTTP (``http_url``); the upstream ``site`` becomes the given address."""

    def site_config(self, upstreams: list[str], locations: str) -> str:
        text = (ROOT / "config" / "nginx.compose.conf").read_text()
        swaps = [
            ("server site:8000", f"server {upstreams[0]}"),
            ("listen 80 default_server", f"listen 127.0.0.1:{self.http_port} default_server"),
            ("/var/cache/nginx/glissando", str(self.folder / "cache")),
        ]
        for old, new in swaps:
            assert old in text, f"nginx.compose.conf no longer has {old!r}"
            text = text.replace(old, new)
        return text
