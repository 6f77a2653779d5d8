"""Which client an address stands for: the one key every per-client count uses.

An IPv4 address is one client. An IPv6 client is its /64: a home or office line, or one
machine, is usually given a whole /64 and may pick any address in it, so counting each
address would let one sender rotate past every limit. An IPv4-mapped IPv6 address
(``::ffff:192.0.2.1``, what a dual-stack socket reports for an IPv4 peer) is that IPv4
address. nginx keys its ``limit_req`` zones the same way (``$glissando_client`` in
``config/nginx.conf.example``).
"""

from __future__ import annotations

import ipaddress

IPV6_CLIENT_PREFIX = 64


def client_key(address: str) -> str:
    """``192.0.2.1``, ``2001:db8:1:2::/64``; anything that is not an address, as given."""
    text = address.strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        # No address to group ("unknown" without a peer, a proxy's odd header): one key as
        # before, never an error on the form's path.
        return text
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    # From the integer, so a zone (fe80::1%eth0) does not follow the address into the key.
    host_bits = 128 - IPV6_CLIENT_PREFIX
    network = ipaddress.IPv6Network((int(ip) >> host_bits << host_bits, IPV6_CLIENT_PREFIX))
    return str(network)
