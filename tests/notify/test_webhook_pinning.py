"""A webhook's host name is resolved once per send and the connection goes to the
checked address (DNS rebinding, issue 16).

The tests play the DNS server: a resolver that answers a public address to the first
lookup and 127.0.0.1 to every later one (what a rebinding attacker's name server does).
The network is loopback only: the socket layer under the pinned transport stands for the
internet, sending a connection for the public address to the partner's TLS receiver and
one for 127.0.0.1 to an "internal service" receiver, and resolving any host *name* it is
asked for through the same rebinding resolver, as an ordinary client's socket layer
would.  So a send that resolved the name a second time at connect would reach the
internal service; these tests fail if it does.  Both receivers hold a certificate for the
partner's name from a throwaway CA (trustme), so only the pinning keeps the request out.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import pytest
import trustme

from movements.domain.actions.outbox import Outgoing
from movements.domain.outbox_vocabulary import Channel
from movements.notify.channels import Channels, send_webhook
from movements.notify.loopback import WebhookReceiver
from movements.notify.pinning import PinnedBackend

PUBLIC = "93.184.215.14"  # a global unicast address: passes the SSRF rule
NAME = "partner.example"
SECRET = "whsec_" + "B" * 32


class RebindingResolver:
    """``socket.getaddrinfo``'s shape: PUBLIC to the first lookup, 127.0.0.1 after."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, host: str, port: int, *args: Any, **kwargs: Any
                 ) -> list[tuple[Any, ...]]:
        self.calls.append(host)
        ip = PUBLIC if len(self.calls) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port))]


class Internet(httpcore.AsyncNetworkBackend):
    """The socket layer: PUBLIC is the partner, 127.0.0.1 the internal service; a host
    name is resolved through ``resolve`` first (as the system's socket layer would)."""

    def __init__(self, resolve: RebindingResolver, ports: dict[str, int]) -> None:
        self.resolve, self.ports = resolve, ports
        self.connects: list[tuple[str, int]] = []
        self.real = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        if host not in self.ports:  # a name: look it up now, like any client would
            host = str(self.resolve(host, port)[0][4][0])
        self.connects.append((host, port))
        return await self.real.connect_tcp("127.0.0.1", self.ports[host], timeout=timeout)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise AssertionError("no unix sockets here")

    async def sleep(self, seconds: float) -> None:
        await self.real.sleep(seconds)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(NAME).configure_cert(context)
    return context


@pytest.fixture
def receivers(ca: trustme.CA) -> Iterator[tuple[WebhookReceiver, WebhookReceiver]]:
    partner = WebhookReceiver(ssl_context=_server_context(ca)).start()
    inside = WebhookReceiver(ssl_context=_server_context(ca)).start()
    partner.secret = inside.secret = SECRET
    yield partner, inside
    partner.stop()
    inside.stop()


def _client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def _message(url: str, key: str = "k-pin-1") -> Outgoing:
    return Outgoing(1, key, Channel.WEBHOOK, url, "", '{"event": "gate_changed"}', 1,
                    secret=SECRET)


async def test_the_send_goes_only_to_the_address_that_was_checked(
        ca: trustme.CA, receivers: tuple[WebhookReceiver, WebhookReceiver]) -> None:
    partner, inside = receivers
    resolve = RebindingResolver()
    net = Internet(resolve, {PUBLIC: partner.port, "127.0.0.1": inside.port})
    result = await send_webhook(_message(f"https://{NAME}/hooks"), "https://m.example",
                                resolve=resolve, ssl_context=_client_context(ca),
                                network=net)
    assert result.ok, result.detail
    assert resolve.calls == [NAME]  # one lookup: the check's; none at connect
    assert net.connects == [(PUBLIC, 443)]
    assert inside.deliveries == []
    [(headers, body, verified)] = partner.deliveries
    # The request still names the partner: Host header and TLS server name (SNI), and
    # the certificate was checked for the name (the address has none).
    assert headers["host"] == NAME and partner.server_names == [NAME]
    assert verified and body == '{"event": "gate_changed"}'

    # The next send looks the name up again (once): now it says 127.0.0.1 -> refused,
    # no connection at all.
    again = await send_webhook(_message(f"https://{NAME}/hooks", "k-pin-2"),
                               "https://m.example", resolve=resolve,
                               ssl_context=_client_context(ca), network=net)
    assert not again.ok and again.detail.startswith("refused: URL")
    assert "inside our network" in again.detail
    assert resolve.calls == [NAME, NAME] and net.connects == [(PUBLIC, 443)]
    assert inside.deliveries == [] and len(partner.deliveries) == 1


async def test_the_outbox_channel_pins_too(
        ca: trustme.CA, receivers: tuple[WebhookReceiver, WebhookReceiver]) -> None:
    """The sender's way in (``Channels``) passes the resolver and socket layer through."""
    partner, inside = receivers
    resolve = RebindingResolver()
    net = Internet(resolve, {PUBLIC: partner.port, "127.0.0.1": inside.port})
    channels = Channels(resolve=resolve, ssl_context=_client_context(ca), network=net)
    result = await channels.send(_message(f"https://{NAME}:443/hooks"), "https://m.example")
    assert result.ok, result.detail
    assert net.connects == [(PUBLIC, 443)] and len(resolve.calls) == 1
    assert len(partner.deliveries) == 1 and inside.deliveries == []


async def test_the_certificate_is_checked_for_the_name_not_the_address(
        ca: trustme.CA, receivers: tuple[WebhookReceiver, WebhookReceiver]) -> None:
    """Another name that resolves to the partner's address: the partner's certificate is
    not for it, so TLS fails and nothing is posted (connecting by address did not turn
    the name check off)."""
    partner, inside = receivers
    resolve = RebindingResolver()
    net = Internet(resolve, {PUBLIC: partner.port, "127.0.0.1": inside.port})
    result = await send_webhook(_message("https://impostor.example/hooks"),
                                "https://m.example", resolve=resolve,
                                ssl_context=_client_context(ca), network=net)
    assert not result.ok
    assert "certificate" in result.detail.lower() or "hostname" in result.detail.lower()
    assert partner.deliveries == [] and inside.deliveries == []


async def test_the_pinned_socket_layer_opens_nothing_but_the_checked_host() -> None:
    from movements.domain.webhook_address import CheckedAddress

    checked = CheckedAddress("https://partner.example/h", "https", NAME, 443, (PUBLIC,))
    backend = PinnedBackend(checked)
    with pytest.raises(httpcore.ConnectError, match="not the checked"):
        await backend.connect_tcp("127.0.0.1", 443)
    with pytest.raises(httpcore.ConnectError, match="not the checked"):
        await backend.connect_tcp(NAME, 8443)
    with pytest.raises(httpcore.ConnectError, match="Unix socket"):
        await backend.connect_unix_socket("/run/docker.sock")


async def test_private_addresses_allowed_for_the_demo_are_still_pinned() -> None:
    """``MOVEMENTS_WEBHOOK_ALLOW_PRIVATE`` lifts the address rule (the demo's and the
    tests' receivers on 127.0.0.1 over http), not the single lookup."""
    partner = WebhookReceiver().start()
    partner.secret = SECRET
    calls: list[str] = []

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        return socket.getaddrinfo(host, port, *args, **kwargs)

    try:
        url = f"http://localhost:{partner.port}/hooks/movements"
        refused = await send_webhook(_message(url), "https://m.example", resolve=resolve)
        assert not refused.ok and partner.deliveries == []
        result = await send_webhook(_message(url), "https://m.example", resolve=resolve,
                                    allow_private=True)
        assert result.ok, result.detail
        assert calls == ["localhost"]  # the refused send stopped at the scheme rule
        assert len(partner.deliveries) == 1
        assert partner.deliveries[0][0]["host"] == f"localhost:{partner.port}"
    finally:
        partner.stop()
