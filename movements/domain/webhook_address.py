"""Which partner addresses a webhook may post to (server-side request forgery guard).

A webhook makes *our* server send a request to an address someone typed, so an address
inside our network (loopback, private ranges, link-local such as the cloud metadata
service at 169.254.169.254, multicast, reserved, unspecified; IPv4 and IPv6) must never be
one.  The rule is checked when a subscription is saved and again before every send,
because a name's DNS answer can change in between (DNS rebinding).  Only ``https`` is
accepted: the body carries passengers' movements.

``allow_private`` (the ``MOVEMENTS_WEBHOOK_ALLOW_PRIVATE`` setting, default false) lifts
both rules for the tests' and the demo's receivers on 127.0.0.1 over plain http.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from .errors import RuleViolation
from .phrases import N_, Phrase

#: Longest URL a subscription keeps (characters).
MAX_URL = 500


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


def check_webhook_url(url: str | None, *, allow_private: bool = False) -> str:
    """The stripped ``url`` when a webhook may post to it, else RuleViolation (field
    ``url``, message naming the field by its label): not https, no host, longer than
    ``MAX_URL``, a name that does not resolve, or any resolved address inner (see
    :func:`inner_address`).  Resolves the host name (blocking ``getaddrinfo``)."""
    address = (url or "").strip()
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _refuse(N_('%(field)s "%(url)s" is not a web address'), address) from None
    if allow_private:
        if parts.scheme not in ("http", "https") or not host or len(address) > MAX_URL:
            raise _refuse(N_('%(field)s "%(url)s" is not an http(s) address'), address)
        return address
    if parts.scheme != "https" or not host or len(address) > MAX_URL:
        raise _refuse(N_('%(field)s "%(url)s" is not an https address'), address)
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        raise _refuse(N_('%(field)s "%(url)s": its host name does not resolve'),
                      address) from None
    if not found or any(inner_address(str(info[4][0])) for info in found):
        raise _refuse(N_('%(field)s "%(url)s" points inside our network (loopback, '
                         'private, link-local or reserved addresses are refused)'), address)
    return address


__all__ = ["MAX_URL", "check_webhook_url", "inner_address"]
