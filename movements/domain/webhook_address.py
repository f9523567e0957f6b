"""Which partner addresses a webhook may post to (server-side request forgery guard).

A webhook makes *our* server send a request to an address someone typed, so an address
inside our network (loopback, private ranges, link-local such as the cloud metadata
service at 169.254.169.254, multicast, reserved, unspecified; IPv4 and IPv6) must never be
one.  The rule is checked when a subscription is saved and again before every send,
because a name's DNS answer can change in between (DNS rebinding).  At send the name is
resolved exactly once (:func:`resolve_webhook_url`) and the connection goes to an address
that was checked (``movements.notify.pinning``): the HTTP client never asks DNS again, so
an answer that changes between check and connect cannot move the request inside.  Only
``https`` is accepted: the body carries passengers' movements.

``allow_private`` (the ``MOVEMENTS_WEBHOOK_ALLOW_PRIVATE`` setting, default false) lifts
both rules for the tests' and the demo's receivers on 127.0.0.1 over plain http.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import RuleViolation
from .phrases import N_, Phrase

#: Longest URL a subscription keeps (characters).
MAX_URL = 500
#: ``socket.getaddrinfo``'s shape: (host, port, ..., proto=...) -> [(family, type, proto,
#: canonname, sockaddr)]; the tests pass their own to play a rebinding DNS server.
Resolver = Callable[..., Sequence[tuple[Any, ...]]]


@dataclass(frozen=True, slots=True)
class CheckedAddress:
    """A webhook URL resolved once and checked: connect to ``addresses[0]`` (or the
    next), sending ``host`` as the Host header and the TLS server name."""

    url: str
    scheme: str
    host: str
    port: int
    #: Every address the one lookup returned (each passed the rule unless private
    #: addresses are allowed), in the resolver's order, without repeats.
    addresses: tuple[str, ...]


def _refuse(key: str, address: str) -> RuleViolation:
    return RuleViolation(Phrase.of(key, field=Phrase(N_("URL")), url=address), field="url")


def inner_address(ip: str) -> bool:
    """Whether ``ip`` (an IPv4 or IPv6 literal, scope id allowed) is not a public
    unicast address: loopback, private, link-local, multicast, reserved or unspecified
    or otherwise not global (Python's ``ipaddress`` properties; IPv4-mapped IPv6 is
    judged as its IPv4)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return (addr.is_loopback or addr.is_private or addr.is_link_local or addr.is_multicast
            or addr.is_reserved or addr.is_unspecified
            or not addr.is_global)  # also shared space 100.64/10, not "private" in 3.11


def _parts(url: str | None, allow_private: bool) -> tuple[str, str, str, int]:
    """(address, scheme, host, port) of a URL the scheme rule accepts, else the refusal."""
    address = (url or "").strip()
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _refuse(N_('%(field)s "%(url)s" is not a web address'), address) from None
    schemes = ("http", "https") if allow_private else ("https",)
    if parts.scheme not in schemes or not host or len(address) > MAX_URL:
        raise _refuse(N_('%(field)s "%(url)s" is not an http(s) address') if allow_private
                      else N_('%(field)s "%(url)s" is not an https address'), address)
    return address, parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _lookup(address: str, host: str, port: int, resolve: Resolver) -> tuple[str, ...]:
    try:
        found = resolve(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        raise _refuse(N_('%(field)s "%(url)s": its host name does not resolve'),
                      address) from None
    return tuple(dict.fromkeys(str(info[4][0]) for info in found))


def _inner_refusal(address: str) -> RuleViolation:
    return _refuse(N_('%(field)s "%(url)s" points inside our network (loopback, '
                      'private, link-local or reserved addresses are refused)'), address)


def check_webhook_url(url: str | None, *, allow_private: bool = False,
                      resolve: Resolver = socket.getaddrinfo) -> str:
    """The stripped ``url`` when a webhook may post to it, else RuleViolation (field
    ``url``, message naming the field by its label): not https, no host, longer than
    ``MAX_URL``, a name that does not resolve, or any resolved address inner (see
    :func:`inner_address`).  Resolves the host name (blocking ``getaddrinfo``); with
    ``allow_private`` only the form is checked (http allowed, nothing resolved)."""
    address, _scheme, host, port = _parts(url, allow_private)
    if allow_private:
        return address
    found = _lookup(address, host, port, resolve)
    if not found or any(inner_address(ip) for ip in found):
        raise _inner_refusal(address)
    return address


def resolve_webhook_url(url: str | None, *, allow_private: bool = False,
                        resolve: Resolver = socket.getaddrinfo) -> CheckedAddress:
    """The send-time check: ``url`` resolved exactly once (``resolve``, blocking) and
    every answer checked as :func:`check_webhook_url` does; the caller connects to one
    of the returned addresses and never resolves the name again (DNS rebinding).  With
    ``allow_private`` the name is still resolved once and pinned, only the address rule
    is lifted.  Raises the same RuleViolations."""
    address, scheme, host, port = _parts(url, allow_private)
    found = _lookup(address, host, port, resolve)
    if not found or (not allow_private and any(inner_address(ip) for ip in found)):
        raise _inner_refusal(address)
    return CheckedAddress(address, scheme, host, port, found)


__all__ = ["MAX_URL", "CheckedAddress", "Resolver", "check_webhook_url", "inner_address",
           "resolve_webhook_url"]
