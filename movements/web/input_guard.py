"""The edge's input rule (domain/input_rules.py) for every request, before any handler.

Query parameters, string path parameters, form field names and values, uploaded file
names, and the content of text uploads (routes marked ``opt={"text_files": True}``) are
checked; a refusal is a 422 naming the field.  Routes that take telexes
(``opt={"telex_text": True}``) also accept the telex framing characters.  Bytes that are
not UTF-8 where text is expected (a multipart field) are a 400 as well, never a 500.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import UploadFile

from movements.domain import input_rules as rules
from movements.domain.errors import RuleViolation
from movements.domain.phrases import N_, Phrase

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def clean_request(request: Request[Any, Any, Any]) -> None:
    """Litestar ``before_request`` hook: raises RuleViolation (422) on the first bad
    value; returns None otherwise (the handler runs)."""
    opt = request.route_handler.opt
    allowed = rules.TELEX_CONTROLS if opt.get("telex_text") else rules.TEXT_CONTROLS
    for name, value in request.query_params.multi_items():
        rules.check(Phrase(N_("query parameter name")), name, allowed=frozenset(),
                    max_chars=rules.MAX_QUERY_CHARS)
        rules.check(Phrase.of(N_("query parameter %(name)s"), name=name), value,
                    allowed=frozenset(), max_chars=rules.MAX_QUERY_CHARS, field=name)
    for name, value in request.path_params.items():
        if isinstance(value, str):
            rules.check(Phrase.of(N_("path parameter %(name)s"), name=name), value,
                        allowed=frozenset(), max_chars=rules.MAX_QUERY_CHARS, field=name)
    if request.method not in UNSAFE or \
            not request.headers.get("content-type", "").startswith(FORMS):
        return
    form = await request.form()  # parsed once; the handler reads the cached form
    for name, value in form.multi_items():
        rules.check(Phrase(N_("form field name")), name, allowed=frozenset(),
                    max_chars=rules.MAX_QUERY_CHARS)
        if isinstance(value, UploadFile):
            await _check_file(name, value, allowed, text=bool(opt.get("text_files")))
        else:
            rules.check(name, str(value), allowed=allowed, max_chars=rules.MAX_FIELD_CHARS)


async def _check_file(field: str, upload: UploadFile, allowed: frozenset[str], *,
                      text: bool) -> None:
    if upload.filename:
        rules.check(Phrase.of(N_("the name of the file in %(field)s"), field=field),
                    upload.filename, allowed=frozenset(), max_chars=rules.MAX_FILENAME_CHARS,
                    field=field)
    if not text:
        return  # binary (a PDF to verify): only its hash matters
    data = await upload.read()
    await upload.seek(0)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RuleViolation(Phrase.of(N_("the file %(filename)s in %(field)s is not UTF-8 text "
                                         "(byte 0x%(byte)s on line %(line)s); save it as UTF-8"),
                                      filename=repr(upload.filename), field=field,
                                      byte=format(data[exc.start], "02X"), line=line),
                            field=field) from None
    found = rules.problem(content, allowed=allowed)
    if found is not None:
        raise RuleViolation(Phrase.of(N_("the file %(filename)s in %(field)s %(found)s"),
                                      filename=repr(upload.filename), field=field, found=found),
                            field=field)


def not_utf8(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    """A body part that should be text is not UTF-8 (a multipart field, a JSON body)."""
    return Response({"error": f"the request is not UTF-8 text (byte 0x{exc.object[exc.start]:02X} "
                              f"at {exc.start}); send UTF-8", "field": None, "status": 400},
                    status_code=400)
