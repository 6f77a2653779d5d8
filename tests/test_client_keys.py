"""One client is an IPv4 address or an IPv6 /64: the key, and the form's limit and triage's
memory of clients counting by it, through the Flask test client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from site_app.clients import client_key
from site_app.contact.ratelimit import client_hash
from site_app.extensions import db
from site_app.outbox.models import HELD, PENDING, Inquiry
from tests.conftest import judge, submit

# Twelve addresses of one /64, written every way a proxy may pass them on.
SAME_64 = [
    "2001:db8:1:2::5",
    "2001:db8:1:2:aaaa:bbbb:cccc:dddd",
    "2001:0db8:0001:0002:0000:0000:0000:0006",
    "2001:DB8:1:2::FF",
    *(f"2001:db8:1:2:{n}::1" for n in range(1, 9)),
]
OTHER_64 = "2001:db8:1:3::5"
IPV4 = [f"192.0.2.{n}" for n in range(1, 7)]


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1 ", "192.0.2.1"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),  # written in full
        ("2001:0db8:0001:0002:0000:0000:0000:000a", "2001:db8:1:2::/64"),  # leading zeros too
        ("2001:db8:1:2::5", "2001:db8:1:2::/64"),  # compressed after the /64
        ("2001:DB8:1:2::FF0A", "2001:db8:1:2::/64"),
        ("2001:db8::1", "2001:db8::/64"),  # compressed inside the /64
        ("2001:db8:0:0:1::1", "2001:db8::/64"),
        ("2001:db8:1:3::5", "2001:db8:1:3::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),  # IPv4-mapped: the IPv4 client
        ("::ffff:c000:201", "192.0.2.1"),
        ("::1", "::/64"),
        ("fe80::1%eth0", "fe80::/64"),  # the zone is no part of the client
        ("unknown", "unknown"),  # no peer address: all such share one key, as before
        ("", ""),
        ("not an address", "not an address"),
        ("192.0.2.256", "192.0.2.256"),
        ("2001:db8::1::2", "2001:db8::1::2"),
        ("[2001:db8::1]", "[2001:db8::1]"),
        ("192.0.2.1, 198.51.100.7", "192.0.2.1, 198.51.100.7"),
    ],
)
def test_the_client_key_of_an_address(address: str, key: str) -> None:
    assert client_key(address) == key


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("2001:db8:1:2::5", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", True),  # one /64, two hosts
        ("2001:db8:1:2::5", "2001:db8:1:3::5", False),  # the next /64
        ("2001:db8:1:2::5", "2001:db8:1:2:0:0:0:5", True),
        ("::ffff:192.0.2.1", "192.0.2.1", True),
        # Every mapped address lies in ::/64: each is still its own IPv4 client.
        ("::ffff:192.0.2.1", "::ffff:192.0.2.2", False),
        ("::ffff:192.0.2.1", "::1", False),
        ("192.0.2.1", "192.0.2.2", False),
    ],
)
def test_addresses_are_one_client_or_two(first: str, second: str, same: bool) -> None:
    assert (client_key(first) == client_key(second)) is same
    probe = Flask("probe")
    probe.config["RATE_LIMIT_KEY"] = "k"
    with probe.app_context():
        assert (client_hash(first) == client_hash(second)) is same


def send_from(app: Flask, address: str, **fields: str) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return int(submit(client, **fields).status_code)


def stored(app: Flask) -> list[Inquiry]:
    with app.app_context():
        return list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))


def test_one_64_meets_the_limit_while_another_64_and_ipv4_clients_do_not(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(CONTACT_RATE_LIMIT="5 per hour")
    assert [send_from(app, address) for address in SAME_64] == [303] * 5 + [429] * 7
    assert send_from(app, OTHER_64) == 303
    assert [send_from(app, address) for address in IPV4] == [303] * 6
    assert send_from(app, "::ffff:192.0.2.1") == 303  # 192.0.2.1's second
    hashes = [inquiry.client_hash for inquiry in stored(app)]
    assert len(hashes) == 5 + 1 + 6 + 1
    assert len(set(hashes[:5])) == 1  # one client, however it wrote its address
    assert len(set(hashes)) == 1 + 1 + 6
    assert hashes[-1] == hashes[6]  # the mapped address is 192.0.2.1


def test_triage_counts_a_64_as_one_sender_of_a_campaign(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    senders = [*SAME_64[:3], "192.0.2.1", "::ffff:192.0.2.1", "192.0.2.2"]
    for n, address in enumerate(senders):  # the same words, each under its own name
        assert send_from(app, address, email=f"sender{n}@example.com") == 303
    assert judge(app) == 6  # in the order they arrived, as the sender judges them
    inquiries = stored(app)
    # Three addresses of one /64 and an IPv4 client twice are two senders, not five:
    # only the third sender's copy is a campaign's.
    campaign = ["other senders" in " ".join(i.reasons or []) for i in inquiries]
    assert campaign == [False] * 5 + [True]
    assert [i.status for i in inquiries] == [PENDING] * 5 + [HELD]
