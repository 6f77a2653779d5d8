"""Slow clients: connections that send a request a few bytes at a time and never finish it.

Each comes from its own loopback address (127.0.0.0/8 is all local on Linux), as from many
machines, so no per-address limit is what stops them. They run in one asyncio loop on a
thread of their own; ``with Tricklers(...)`` returns once every one of them is connected
and has sent its first bytes, and leaves them trickling until the block ends.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from dataclasses import dataclass, field

EVERY = 2.0  # seconds between two trickles: far inside nginx's 60 s read timeouts


def address(group: int, n: int) -> str:
    return f"127.{group}.{n // 250}.{n % 250 + 1}"


@dataclass
class Tricklers:
    host: str
    port: int
    headers: int  # connections that send a header line every EVERY seconds
    bodies: int  # POST /contact whose body comes 10 bytes every EVERY seconds
    cafile: str | None = None  # TLS, trusting this certificate
    connected: int = 0
    answered: list[bytes] = field(default_factory=list)  # what any of them got back
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    def _first_bytes(self, body: bool) -> bytes:
        start = "Host: localhost\r\nUser-Agent: slow\r\n"
        if body:
            return (
                f"POST /contact HTTP/1.1\r\n{start}Content-Type: application/"
                "x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\nname="
            ).encode()
        return f"GET /contact HTTP/1.1\r\n{start}".encode()

    async def _one(self, n: int, body: bool) -> None:
        context = None
        if self.cafile:
            context = ssl.create_default_context(cafile=self.cafile)
        source = address(10 if body else 20, n)
        try:
            reader, writer = await asyncio.open_connection(
                self.host, self.port, ssl=context, local_addr=(source, 0),
                server_hostname="localhost" if context else None,
            )  # fmt: skip
            writer.write(self._first_bytes(body))
            await writer.drain()
        except OSError as error:
            self.failures.append(f"{source}: {error}")
            return
        self.connected += 1
        assert self._stop is not None
        line = 0
        while not self._stop.is_set():
            try:
                got = await asyncio.wait_for(reader.read(4096), EVERY)
                self.answered.append(got or b"(closed)")
                break
            except TimeoutError:
                line += 1
                writer.write(b"a" * 10 if body else f"X-Slow-{line}: 1\r\n".encode())
        writer.close()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        tasks = [asyncio.create_task(self._one(n, False)) for n in range(self.headers)]
        tasks += [asyncio.create_task(self._one(n, True)) for n in range(self.bodies)]
        while self.connected + len(self.failures) < len(tasks):
            await asyncio.sleep(0.05)
        self._ready.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    def __enter__(self) -> Tricklers:
        self._thread.start()
        if not self._ready.wait(timeout=60):
            raise RuntimeError(f"only {self.connected} slow clients connected in 60 s")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=EVERY + 10)
