"""Liveness and readiness."""

from __future__ import annotations

from litestar import get
from litestar.response import Response

from movements.domain.queries import database_answers
from movements.web.deps import ServicesDep


@get("/healthz", opt={"public": True}, include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process answers (liveness)."""
    return {"status": "ok"}


@get("/readyz", opt={"public": True}, include_in_schema=False)
async def readyz(services: ServicesDep) -> Response[dict[str, str]]:
    """The database answers and takes writes (readiness): a load balancer sends no
    tablets here otherwise.  While writes fail (read-only or full storage) this is 503;
    a rolled-back probe write notices the recovery (domain/storage.py)."""
    try:
        await services.uow.read(database_answers)
        storage = services.uow.storage
        fault = await services.uow.probe_writes() if storage.probe_due() else storage.reason
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return Response({"status": "unavailable", "database": type(exc).__name__},
                        status_code=503)
    if fault is not None:
        return Response({"status": "unavailable", "storage": fault}, status_code=503,
                        headers={"Retry-After": "60"})
    return Response({"status": "ready"})
