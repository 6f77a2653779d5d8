"""``make run``'s stand-in for the sales inbox: a loopback SMTP server that
saves every message it receives as an ``.eml`` file, then the site under
gunicorn pointed at it. With ``MAIL_SERVER`` set, the real relay is used."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from site_app.config import INSTANCE, ROOT


class SaveToFolder:
    """aiosmtpd handler: write each message to ``folder`` as an .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        print(
            f"[mail] message for {', '.join(envelope.rcpt_tos)} saved to {self.folder / name}",
            flush=True,
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    env = dict(os.environ)
    env.setdefault("APP_ENV", "development")
    controller = None
    if not env.get("MAIL_SERVER"):
        folder = INSTANCE / "mail"
        port = free_port()
        controller = Controller(SaveToFolder(folder), hostname="127.0.0.1", port=port)
        controller.start()
        env.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(port),
            MAIL_USE_TLS="false",
            MAIL_USE_SSL="false",
            MAIL_USERNAME="",
            MAIL_PASSWORD="",  # the capture server takes no credentials
        )
        print(
            f"[mail] no MAIL_SERVER set: inquiries are delivered to a local SMTP server "
            f"on 127.0.0.1:{port} and saved in {folder}/",
            flush=True,
        )
    web_port = env.get("PORT", "8000")
    print(f"Serving the site on http://127.0.0.1:{web_port}/ (Ctrl-C stops)", flush=True)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "config" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{web_port}",
        "--workers",
        env.get("WEB_CONCURRENCY", "2"),
        "--no-control-socket",
        "wsgi:app",
    ]
    try:
        return subprocess.call(command, env=env, cwd=ROOT)
    except KeyboardInterrupt:
        return 0
    finally:
        if controller is not None:
            controller.stop()


if __name__ == "__main__":
    sys.exit(main())
