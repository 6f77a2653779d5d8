"""A relay on a raw socket that speaks just enough SMTP to misbehave in ways
aiosmtpd will not: answering a byte at a time, or hanging up right after DATA."""

from __future__ import annotations

import socket
import threading
import time
from typing import BinaryIO

from site_app.devmail import free_port


class BadRelay:
    """``trickle``: every reply goes out one byte per ``byte_delay`` seconds.
    ``drop``: the first ``drops`` messages are read to the final dot, then the
    connection is closed without an answer (did it take the message?)."""

    def __init__(self, mode: str, drops: int = 1, byte_delay: float = 0.2) -> None:
        self.mode = mode
        self.drops = drops
        self.byte_delay = byte_delay
        self.port = free_port()
        self.received: list[bytes] = []  # every message read to its end, answered or not
        self.answered = 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._open = True

    def __enter__(self) -> BadRelay:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._open = False
        self._listener.close()

    def _accept(self) -> None:
        while self._open:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _reply(self, connection: socket.socket, line: str) -> None:
        data = (line + "\r\n").encode()
        if self.mode != "trickle":
            connection.sendall(data)
            return
        for byte in data:
            connection.sendall(bytes([byte]))
            time.sleep(self.byte_delay)

    def _serve(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as lines:
            try:
                self._reply(connection, "220 badrelay ESMTP")
                for raw in lines:
                    verb = raw[:4].upper()
                    if verb == b"EHLO":
                        self._reply(connection, "250-badrelay\r\n250-8BITMIME\r\n250 SMTPUTF8")
                    elif verb == b"DATA":
                        self._reply(connection, "354 go ahead")
                        if not self._read_message(lines, connection):
                            return
                    elif verb == b"QUIT":
                        self._reply(connection, "221 bye")
                        return
                    else:
                        self._reply(connection, "250 OK")
            except OSError:
                return  # the client gave up on us

    def _read_message(self, lines: BinaryIO, connection: socket.socket) -> bool:
        body = []
        for line in lines:
            if line == b".\r\n":
                break
            body.append(line)
        else:
            return False  # the client hung up mid-message
        self.received.append(b"".join(body))
        if self.mode == "drop" and self.drops > 0:
            self.drops -= 1
            return False  # hang up: the message arrived, its answer never does
        self._reply(connection, "250 queued")
        self.answered += 1
        return True
