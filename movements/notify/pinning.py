"""An HTTP transport that connects only to an address checked before the send (DNS
pinning against rebinding).

``movements.domain.webhook_address.resolve_webhook_url`` resolves a webhook's host name
once and checks every answer.  An ordinary client would resolve the name again when it
connects, and a DNS server that answers a public address to the check and 127.0.0.1 to
the connect (DNS rebinding) would move the request inside our network.  Here the
connection pool's network backend (httpcore's ``AsyncNetworkBackend``, the documented
seam for how connections are opened) ignores DNS: it opens the TCP connection to the
checked address, and only for the checked host and port.  The request itself is left as
it was: its URL still names the host, so the Host header, the TLS server name (SNI) and
the certificate check are all for the name, not the address.

Redirects are not followed (httpx's default): a 3xx is a failed try, never a second
request to an address nobody checked.  Proxies from the environment are not used (a
proxy would resolve the name itself).
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import AsyncIterator, Iterable

import httpcore
import httpx

from movements.domain.webhook_address import CheckedAddress


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections to ``checked.addresses`` (in order, the next one when a
    connect fails) for ``checked.host:port`` only; any other host, and Unix sockets, are
    refused with httpcore's ConnectError.  ``inner`` does the real I/O (default anyio,
    httpcore's own)."""

    def __init__(self, checked: CheckedAddress,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.checked = checked
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[typing.Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        if (host.lower().rstrip("."), port) != (self.checked.host.lower().rstrip("."),
                                                self.checked.port):
            raise httpcore.ConnectError(
                f"refused: {host}:{port} is not the checked {self.checked.host}:"
                f"{self.checked.port}")
        failure: Exception | None = None
        for address in self.checked.addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout,
                                                    local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no checked address for {host}")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[typing.Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("refused: a webhook never goes to a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: typing.AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except httpcore.TimeoutException as exc:
            raise httpx.ReadTimeout(str(exc)) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise httpx.ReadError(str(exc)) from exc

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over httpcore's connection pool with a :class:`PinnedBackend`:
    ``httpx.AsyncClient(transport=PinnedTransport(checked))`` sends to the checked
    address only.  ``ssl_context``: default httpx's (certifi roots, hostname checked);
    the tests pass one trusting their own CA.  httpcore's errors come out as httpx's
    (ConnectError, ConnectTimeout, ReadTimeout, ReadError, RemoteProtocolError)."""

    def __init__(self, checked: CheckedAddress, *, ssl_context: ssl.SSLContext | None = None,
                 network: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            network_backend=PinnedBackend(checked, network), max_connections=1)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host,
                             port=request.url.port, target=request.url.raw_path),
            headers=request.headers.raw, content=request.stream,
            extensions=request.extensions)
        try:
            answer = await self._pool.handle_async_request(core)
        except httpcore.ConnectTimeout as exc:
            raise httpx.ConnectTimeout(str(exc), request=request) from exc
        except httpcore.TimeoutException as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except httpcore.ConnectError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError,
                httpcore.UnsupportedProtocol) as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        assert isinstance(answer.stream, typing.AsyncIterable)
        return httpx.Response(status_code=answer.status, headers=answer.headers,
                              stream=_Body(answer.stream), extensions=answer.extensions)

    async def aclose(self) -> None:
        await self._pool.aclose()


__all__ = ["PinnedBackend", "PinnedTransport"]
