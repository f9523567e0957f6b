"""Public verification of an issued document: does this file (or this SHA-256) match
what the server issued under the id in its QR code, who issued it and when, and has a
newer version replaced it?  For checking a paper copy of a handover manifest it also
shows the receiving party, the passenger count and each passenger's initials and birth
year (issue 13.6) -- never a name, a need or a case reference."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Response

from movements.domain import document_queries as dq
from movements.web.deps import ServicesDep
from movements.web.forms import TypedForm
from movements.web.media import HTML
from movements.web.render import page as render_page

DOCUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_UPLOAD = 50 * 1024 * 1024


def normalise_sha256(value: str) -> str | None:
    """Accept what people paste: any case, spaces or colons between pairs."""
    text = re.sub(r"[\s:]", "", value or "").lower()
    return text if HEX64.match(text) else None


#: Said when the retention purge deleted the bytes (the record of the issue stays).
CONTENT_REMOVED = ("The content of this document has been deleted under the retention "
                   "policy. That it was issued, when, by whom and its SHA-256 are kept, so "
                   "a copy can still be checked against it.")


@dataclass
class CheckForm(TypedForm):
    """The verify page's form: the PDF to check, or its SHA-256 as typed.  A file field
    left empty (no file chosen) arrives as None.  Litestar's multipart body also reads a
    URL-encoded form (the SHA-256 alone), which the input guard parsed before."""

    file: UploadFile | None = None
    sha256: str = ""


Check = Annotated[CheckForm, Body(media_type=RequestEncodingType.MULTI_PART)]


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


class Verify(Controller):
    opt = {"public": True}

    @get("/verify", summary="Type the document id printed on a paper copy")
    async def ask(self, request: Request[Any, Any, Any],
                  id: FromQuery[str | None] = None) -> Response[Any]:
        """``/verify`` alone: a field for the id; ``/verify?id=...`` goes to its page."""
        typed = (id or "").strip()
        error = None
        if typed:
            if DOCUMENT_ID.match(typed):
                return Redirect(f"/verify/{typed}", status_code=303)
            error = ("A document id is letters, digits, '.', '_' and '-' as printed under "
                     "the QR code, e.g. 3f2c1a9e-....")
        html = render_page(request, "documents/verify_ask.html",
            user=None, csrf_token="", airport_name="", typed=typed, error=error)
        return Response(html, media_type=HTML,
                        status_code=422 if error else 200,
                        headers={"Cache-Control": "no-store"})

    @get("/verify/{document_id:str}", summary="What the server issued under a document id")
    async def show(self, request: Request[Any, Any, Any], services: ServicesDep,
                   document_id: FromPath[str], sha256: FromQuery[str | None] = None
                   ) -> Response[Any]:
        presented = None
        error = None
        if sha256:
            presented = normalise_sha256(sha256)
            if presented is None:
                error = "A SHA-256 is 64 hexadecimal characters."
        return await _answer(request, services, document_id, presented, None, error)

    @post("/verify/{document_id:str}", summary="Check a file or a SHA-256 against it",
          status_code=200)
    async def check(self, request: Request[Any, Any, Any], services: ServicesDep,
                    document_id: FromPath[str], data: Check) -> Response[Any]:
        presented: str | None = None
        filename: str | None = None
        error: str | None = None
        upload = data.file
        if upload is not None and upload.filename:
            content = await upload.read(MAX_UPLOAD + 1)
            if len(content) > MAX_UPLOAD:
                error = "The file is larger than any document issued here."
            else:
                presented = hashlib.sha256(content).hexdigest()
                filename = upload.filename
        else:
            typed = data.sha256
            presented = normalise_sha256(typed)
            if presented is None:
                error = ("Choose the PDF file to check, or enter its SHA-256 "
                         "(64 hexadecimal characters)." if not typed.strip()
                         else "A SHA-256 is 64 hexadecimal characters.")
        return await _answer(request, services, document_id, presented, filename, error)


async def _answer(request: Request[Any, Any, Any], services: ServicesDep, document_id: str,
                  presented: str | None, filename: str | None, error: str | None
                  ) -> Response[Any]:
    view, removed = (await services.uow.read(dq.verify_page, document_id)
                     if DOCUMENT_ID.match(document_id) else (None, False))
    match = (hmac.compare_digest(presented, view.sha256)
             if view is not None and presented is not None else None)
    status = 404 if view is None else (422 if error else 200)
    if _wants_json(request):
        body: dict[str, Any] = {"document_id": document_id, "known": view is not None,
                                "match": match, "error": error}
        if view is not None:
            body.update({k: v for k, v in asdict(view).items() if k != "timezone"})
            # The JSON answer speaks English (as the API does); a phrase is its sentence,
            # not its parts.
            body["issued_by"] = str(view.issued_by)
            body["operational_date"] = view.operational_date.isoformat()
            body["issued_at"] = view.issued_at.isoformat()
            body["superseded"] = view.superseded_by is not None and view.superseded_by[2]
            body["content_removed"] = removed
            if removed:
                body["notice"] = CONTENT_REMOVED
        return Response(body, status_code=status, headers={"Cache-Control": "no-store"})
    html = render_page(request, "documents/verify.html",
        user=None, csrf_token="", airport_name="", document_id=document_id, v=view,
        presented=presented, filename=filename, match=match, error=error,
        content_removed=CONTENT_REMOVED if removed else None)
    return Response(html, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})
