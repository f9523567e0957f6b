"""Rendered day-board lanes and movement-page bodies, kept per stream number.

A board's lanes (``partials/lanes.html``) are a function of the airport's day and
nothing about the person: every committed change that a board shows moves that board's
stream number in the same transaction (DESIGN.md, "Live updates"), so the lanes rendered
at number N are good for every request that reads N.  The access policy still runs
first on every request (``views.board_head``): a key is only looked up once the policy
has said the person may see that airport's board, and the key holds the stream (airport
and day), its number and the rendering variant (whatever else the HTML depends on, e.g.
the language once pages are translated).

The movement page's body (``partials/movement_body.html``: header, plan, passengers by
case, notes) is kept the same way per movement stream number (``views.movement_head``
runs the policy first): it shows initials and need codes, never a name, a birth date or
the trafficking flag (those come only from the audited reveal), and it is rendered
without the person (no ``user``, no CSRF token in its context), so it is the same for
everyone the policy lets see the movement.  Its variant is the language and the role.

Concurrent requests for the same key render once: the first computes, the others await
it (at shift start every tablet asks for the same board at the same moment).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

#: One entry per (board, number, variant); a few days x airports x languages is plenty.
DEFAULT_SIZE = 64

Key = tuple[str, int, str]
V = TypeVar("V")


class RenderCache(Generic[V]):
    """A bounded LRU of rendered HTML (or a small value holding it) per (stream, stream
    number, variant), with single-flight rendering."""

    def __init__(self, size: int = DEFAULT_SIZE, *, weigh: Callable[[V], int] | None = None,
                 max_weight: int | None = None) -> None:
        """At most ``size`` entries and, with ``weigh`` (an entry's size, e.g. its HTML's
        characters), at most ``max_weight`` of them together: the least recently used go
        first (a 200-passenger charter's body is 400 KB, a typical movement's 20 KB)."""
        self._size = size
        self._weigh = weigh
        self._max_weight = max_weight
        self.weight = 0
        self._entries: OrderedDict[Key, V] = OrderedDict()
        self._pending: dict[Key, asyncio.Future[V]] = {}
        self.hits = 0
        self.misses = 0

    async def get(self, key: Key, render: Callable[[], Awaitable[V]]) -> V:
        """The value for ``key`` (stream, stream number, variant), rendered by ``render``
        when absent.  An exception in ``render`` reaches every waiter and caches
        nothing."""
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            return found
        pending = self._pending.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        self.misses += 1
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await render()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            future.set_result(value)
            self._store(key, value)
            return value
        finally:
            self._pending.pop(key, None)

    def _store(self, key: Key, value: V) -> None:
        # Older numbers of the same board are never asked for again by a fresh request.
        for old in [k for k in self._entries if k[0] == key[0] and k[1] < key[1]]:
            self._drop(old)
        if key in self._entries:
            self._drop(key)
        self._entries[key] = value
        self.weight += self._weigh(value) if self._weigh else 0
        while len(self._entries) > self._size or (
                self._max_weight is not None and self.weight > self._max_weight
                and len(self._entries) > 1):
            self._drop(next(iter(self._entries)))

    def _drop(self, key: Key) -> None:
        value = self._entries.pop(key)
        self.weight -= self._weigh(value) if self._weigh else 0

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class MovementBody:
    """A movement page's body as rendered (``partials/movement_body.html``) and what the
    page around it shows: the title's flight, the board day it links back to, the
    airport's zone its times print in."""

    html: str
    flight: str
    day: date
    timezone: str


#: The board's lanes HTML per (board stream, number, variant).
BoardCache = RenderCache[str]
#: Movement page bodies per (movement stream, number, variant).
MovementCache = RenderCache[MovementBody]


def movement_cache(size: int = 256, max_chars: int = 16_000_000) -> MovementCache:
    """The app's movement-page bodies: a day's pages being worked (``size``), at most
    ``max_chars`` of HTML together (about 16 MB of text as Python holds ASCII)."""
    return MovementCache(size, weigh=lambda body: len(body.html), max_weight=max_chars)

__all__ = ["DEFAULT_SIZE", "BoardCache", "Key", "MovementBody", "MovementCache",
           "RenderCache", "movement_cache"]
