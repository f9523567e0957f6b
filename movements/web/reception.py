"""The reception portal: the handovers addressed to the user's organisation, with their
manifests.  Never the board: a reception authority sees only what was handed to it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Response

from movements.domain import document_queries as dq
from movements.domain.vocabulary import Role
from movements.web.auth import RECEPTION, current_user
from movements.web.deps import ServicesDep
from movements.web.media import HTML
from movements.web.render import page as render_page


class Reception(Controller):
    guards = [RECEPTION]

    @get("/reception")
    async def reception(self, request: Request[Any, Any, Any], services: ServicesDep
                        ) -> Response[str]:
        user = current_user(request)
        assert user is not None
        # The access policy decides: a reception user its own organisation's handovers,
        # staff those of their airports.
        rows = await services.uow.read(dq.reception_handovers, user.actor)
        org = user.organisation_id if user.role is Role.RECEPTION else None
        org_name = (await services.uow.read(dq.organisation_name, org)
                    if org is not None else None)
        body = render_page(request, "documents/reception.html",
            user=user, csrf_token=user.csrf_token, airport_name="", rows=rows,
            organisation=org_name)
        return Response(body, media_type=HTML,
                        headers={"Cache-Control": "no-store"})
