"""The composition root: ``create_app(settings)`` wires every part, in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi.config import OpenAPIConfig
from litestar.static_files import create_static_files_router

from movements.config import Settings
from movements.domain.clock import Clock
from movements.domain.errors import DomainError
from movements.services import Services
from movements.templating import TEMPLATES
from movements.web.api import ApiV1
from movements.web.health import healthz, readyz

log = logging.getLogger("movements")
STATIC = TEMPLATES.parent / "static"


def _domain_error(request: Request[object, object, State], exc: DomainError) -> Response[object]:
    log.info("refused %s %s: %s", request.method, request.url.path, exc.message)
    return Response({"error": exc.message, "field": exc.field, "status": exc.status},
                    status_code=exc.status)


@get("/", opt={"public": True}, include_in_schema=False, sync_to_thread=False)
def index() -> Response[str]:
    return Response("<!doctype html><title>movements</title><h1>movements</h1>"
                    "<p>Operations console. <a href='/schema'>API</a></p>",
                    media_type="text/html")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    services = Services.build(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await services.close()

    def provide_services() -> Services:
        return services

    app = Litestar(
        route_handlers=[index, healthz, readyz, ApiV1,
                        create_static_files_router("/static", [STATIC], opt={"public": True},
                                                   include_in_schema=False)],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        exception_handlers={DomainError: _domain_error},  # type: ignore[dict-item]
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(title="movements", version="1"),
        debug=False,
    )
    app.state.services = services
    return app


__all__ = ["HTTPException", "create_app"]
