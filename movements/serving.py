"""How the ASGI server is run: one definition for ``movements serve`` and the test servers.

The ASGI server (uvicorn) rewrites the client address from ``X-Forwarded-For`` by itself
when proxy headers are on, and by default it believes them from loopback.  Behind no proxy
that lets anyone on the same host (or any local reverse tunnel) pick the address that the
sign-in rate limiter and the audit trail see.  So uvicorn's proxy-header setting is tied to
``MOVEMENTS_TRUSTED_PROXIES``: off when it is empty, and exactly that list otherwise (the
app's own ``client_address`` applies the same list, so both layers agree).
"""

from __future__ import annotations

from typing import Any

from movements.platform.config import Settings


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn keyword options for forwarding headers (``proxy_headers``,
    ``forwarded_allow_ips``), derived from ``settings.trusted_proxies`` only."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


#: Largest message a page may send on a live socket (it sends hello/resync, a few bytes).
WS_MAX_MESSAGE = 64 * 1024


def ws_options(settings: Settings) -> dict[str, Any]:
    """uvicorn keyword options for the live sockets: the sans-I/O websockets protocol,
    permessage-deflate only when ``settings.ws_compression`` (see Settings), and a small
    inbound message limit (uvicorn's default is 16 MiB)."""
    return {"ws": "websockets-sansio", "ws_per_message_deflate": settings.ws_compression,
            "ws_max_size": WS_MAX_MESSAGE}


def ws_arguments(settings: Settings) -> list[str]:
    """``ws_options`` as uvicorn command-line arguments."""
    o = ws_options(settings)
    return ["--ws", o["ws"], "--ws-per-message-deflate", str(o["ws_per_message_deflate"]),
            "--ws-max-size", str(o["ws_max_size"])]


def proxy_arguments(settings: Settings) -> list[str]:
    """The same options as uvicorn command-line arguments (for a server in its own
    process, e.g. the test servers)."""
    options = proxy_options(settings)
    if not options["proxy_headers"]:
        return ["--no-proxy-headers"]
    return ["--proxy-headers", "--forwarded-allow-ips", ",".join(options["forwarded_allow_ips"])]
