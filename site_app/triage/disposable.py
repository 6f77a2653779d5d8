"""The ``disposable-email-domains`` package's blocklist as a MARISA trie, shipped beside the
code as ``disposable.bin`` and read at start-up without importing the package.

Imported, the package builds a set of its 10,000 domains from a 220 KB module in every
worker: 1.5 MB of a worker's 80. The trie (the ``marisa-trie`` package, which the Chatbot's
vocabulary already loads) holds them in about 0.1 MB. The package stays the source: the
file names the size of the package's module it was built from, another size stops
start-up with "run make fit", which rebuilds it (``python -m site_app.triage.disposable``),
and the suite compares every domain.

    python -m site_app.triage.disposable    # writes disposable.bin
"""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

from marisa_trie import Trie

SHIPPED = Path(__file__).with_name("disposable.bin")
_MAGIC = b"GLDISPO1"
_HEAD = struct.Struct("<8sQ")  # magic, the size of the package's module it was built from
_trie: Trie | None = None


class StaleList(RuntimeError):
    pass


def source() -> Path:
    """The package's module, found without running it."""
    spec = importlib.util.find_spec("disposable_email_domains")
    if spec is None or spec.origin is None:
        raise StaleList("the disposable-email-domains package is not installed")
    return Path(spec.origin)


def build() -> bytes:
    import disposable_email_domains

    trie = Trie(sorted(disposable_email_domains.blocklist))
    packed: bytes = trie.tobytes()
    return _HEAD.pack(_MAGIC, source().stat().st_size) + packed


def load(path: Path = SHIPPED) -> Trie:
    """The shipped list, if it was built from the installed package; kept for ``listed``."""
    global _trie
    data = path.read_bytes()
    if len(data) < _HEAD.size:
        raise StaleList(f"{path} is damaged: run make fit")
    magic, size = _HEAD.unpack_from(data)
    if magic != _MAGIC or size != source().stat().st_size:
        raise StaleList(f"{path} was not built from the installed package: run make fit")
    _trie = Trie().frombytes(data[_HEAD.size :])
    return _trie


def listed(domain: str) -> bool:
    return domain in (_trie if _trie is not None else load())


def main() -> None:
    SHIPPED.write_bytes(build())
    print(f"{SHIPPED}: {len(load())} domains")


if __name__ == "__main__":
    main()
