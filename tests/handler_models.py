"""Litestar's per-handler signature work, done once per test process instead of per app.

Every web test builds its own app (``create_app``: its own settings, database, clock,
hub), and Litestar parses each of the ~250 handlers' signatures again for every app:
type hints evaluated, a ``ParsedSignature`` and a msgspec signature model built per
handler.  That was about half of ``create_app``'s CPU (0.18 s of CPU per app; 0.10 s
with this), and the fast tier builds ~700 apps per run.

The results depend only on the handler function and what Litestar passes in, so they
are memoised on exactly those inputs: the function's code object, globals, annotations
and defaults (a closure made again per app with new defaults or annotations is a miss,
not a wrong hit), the signature namespace, the dependency names, the data DTO and the
type decoders.  Both results are immutable in use (a frozen dataclass and a msgspec
Struct type); what differs per app (dependencies, guards, middleware, the kwargs model)
is still built per app.  A handler Litestar refuses raises every time (failures are not
memoised).  ``install()`` is called from tests/conftest.py; production never uses this.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from litestar._signature.model import SignatureModel
from litestar.utils.signature import ParsedSignature

_parsed: dict[Hashable, tuple[Any, ...]] = {}
_models: dict[Hashable, tuple[Any, ...]] = {}
_installed = False


def _ident(value: object) -> Hashable:
    """Identity of a value as Litestar uses it (partials made per app: by their parts)."""
    if isinstance(value, functools.partial):
        return ("partial", id(value.func), tuple(id(a) for a in value.args),
                tuple(sorted((k, id(v)) for k, v in value.keywords.items())))
    if isinstance(value, tuple):
        return tuple(_ident(v) for v in value)
    return id(value)


def _function_key(fn: Callable[..., Any]) -> tuple[Hashable, tuple[Any, ...]] | None:
    """(key, objects the key's ids refer to) for a plain function or method, else None.

    The referenced objects are kept alive with the cached value, so an id in a key is
    never reused by another object while the entry exists.
    """
    func = getattr(fn, "__func__", fn)
    code = getattr(func, "__code__", None)
    if code is None or not inspect.isfunction(func):
        return None
    annotations: Mapping[str, Any] = getattr(func, "__annotations__", {})
    defaults: Sequence[Any] = func.__defaults__ or ()
    kwdefaults: Mapping[str, Any] = func.__kwdefaults__ or {}
    key = (inspect.ismethod(fn), code, id(func.__globals__),
           tuple((name, id(v)) for name, v in annotations.items()),
           tuple(id(v) for v in defaults),
           tuple((name, id(v)) for name, v in kwdefaults.items()))
    return key, (func.__globals__, dict(annotations), tuple(defaults), dict(kwdefaults))


def install() -> None:
    """Memoise ``ParsedSignature.from_fn`` and ``SignatureModel.create`` (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    from_fn = ParsedSignature.from_fn.__func__  # type: ignore[attr-defined]
    create = SignatureModel.create.__func__  # type: ignore[attr-defined]

    def cached_from_fn(cls: type[ParsedSignature], fn: Callable[..., Any],
                       signature_namespace: dict[str, Any]) -> ParsedSignature:
        found = _function_key(fn)
        if found is None:
            return from_fn(cls, fn, signature_namespace)  # type: ignore[no-any-return]
        key = (cls, found[0], tuple(sorted((n, id(v)) for n, v in signature_namespace.items())))
        hit = _parsed.get(key)
        if hit is None:
            result = from_fn(cls, fn, signature_namespace)
            _parsed[key] = hit = (result, found[1], dict(signature_namespace))
        return hit[0]  # type: ignore[no-any-return]

    def cached_create(cls: type[SignatureModel], dependency_name_set: set[str],
                      fn: Callable[..., Any], parsed_signature: ParsedSignature,
                      type_decoders: Sequence[Any], data_dto: Any = None) -> type[SignatureModel]:
        found = _function_key(fn)
        if found is None:
            return create(cls, dependency_name_set, fn,  # type: ignore[no-any-return]
                          parsed_signature, type_decoders, data_dto)
        decoders = list(type_decoders or ())
        key = (cls, found[0], frozenset(dependency_name_set), id(parsed_signature),
               tuple(_ident(d) for d in decoders), id(data_dto))
        hit = _models.get(key)
        if hit is None:
            result = create(cls, dependency_name_set, fn, parsed_signature, type_decoders, data_dto)
            _models[key] = hit = (result, found[1], parsed_signature, decoders, data_dto)
        return hit[0]  # type: ignore[no-any-return]

    ParsedSignature.from_fn = classmethod(cached_from_fn)  # type: ignore[assignment,method-assign,arg-type]
    SignatureModel.create = classmethod(cached_create)  # type: ignore[assignment,method-assign,arg-type]
