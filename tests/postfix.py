"""A private instance of Debian's Postfix on loopback, delivering info@glissando.ai to a Maildir.

Its own configuration, queue and mail folders live under /tmp, so it never touches the
machine's Postfix; ``smtputf8`` sets ``smtputf8_enable``. Debian's ``postfix`` package is
installed by scripts/ensure-tools.sh; missing binaries fail the run, they never skip it.
"""

from __future__ import annotations

import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from site_app.devmail import free_port

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {folder}/queue
data_directory = {folder}/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = relay.glissando.example.com
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtputf8_enable = {smtputf8}
virtual_mailbox_domains = glissando.ai
virtual_mailbox_base = {folder}/mail
virtual_mailbox_maps = inline:{{ info@glissando.ai=inbox/ }}
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
alias_maps =
alias_database =
maillog_file_prefixes = /tmp
maillog_file = {folder}/maillog
"""


class Postfix:
    def __init__(self, smtputf8: bool = True) -> None:
        if shutil.which("postfix") is None:
            raise RuntimeError("Debian's postfix is missing: run `make tools`")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="glissando-postfix-", dir="/tmp"))
        self.etc = self.folder / "etc"
        self.inbox = self.folder / "mail" / "inbox"
        owner = pwd.getpwnam("postfix")
        self.folder.chmod(0o755)  # the postfix user works in here too
        self.etc.mkdir()
        (self.etc / "main.cf").write_text(
            MAIN_CF.format(
                folder=self.folder,
                smtputf8="yes" if smtputf8 else "no",
                uid=owner.pw_uid,
                gid=owner.pw_gid,
            )
        )
        (self.etc / "master.cf").write_text(self._master_cf())
        (self.folder / "queue").mkdir()  # root's; `postfix check` makes what is inside
        for mine in ("mail", "data"):
            (self.folder / mine).mkdir()
            shutil.chown(self.folder / mine, owner.pw_uid, owner.pw_gid)

    def _master_cf(self) -> str:
        """Debian's services, none chrooted (the queue is ours), smtpd on our port only."""
        lines = []
        for line in Path("/etc/postfix/master.cf").read_text().splitlines():
            fields = line.split()
            if len(fields) < 8 or line[0] in "# ":
                continue
            if fields[:2] == ["smtp", "inet"]:
                fields[0] = f"127.0.0.1:{self.port}"
            fields[4] = "n"
            lines.append(" ".join(fields))
        return "\n".join(lines) + "\n"

    def _postfix(self, *args: str) -> None:
        subprocess.run(
            ["postfix", "-c", str(self.etc), *args], check=True, capture_output=True, text=True
        )

    def __enter__(self) -> Postfix:
        self._postfix("check")
        self._postfix("start")
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["postfix", "-c", str(self.etc), "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def delivered(self, count: int, timeout: float = 30) -> list[bytes]:
        """Wait until ``count`` messages are in the Maildir; return them, oldest first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = self.inbox / "new"
            files = sorted(new.iterdir(), key=lambda p: p.stat().st_mtime) if new.exists() else []
            if len(files) >= count:
                return [f.read_bytes() for f in files]
            time.sleep(0.1)
        log = (self.folder / "maillog").read_text() if (self.folder / "maillog").exists() else ""
        raise AssertionError(f"Postfix delivered fewer than {count} messages:\n{log[-3000:]}")
