"""What the OpenAPI document says of every ``/mp/v1`` operation, said once for the router.

Each operation gets: a summary (its own, or the first sentence of its docstring), a
description (its docstring, and who may call it), the bearer scheme where the access rule
is ``bearer-person``, the problem responses every operation may answer, and, on the
operations that honour it, the ``X-Acting-For`` header (a controller declares
``parameters = ACTING_FOR``). The committed document, ``docs/mp-v1.openapi.json``, is the
contract; ``make contract`` regenerates it and a test fails when the served one differs.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any
from uuid import UUID

from litestar import Router
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import HeaderParameter
from litestar.routes import HTTPRoute

from app.web.access import Access
from app.web.problems import API_PROBLEMS, problem_responses

BEARER = "bearer"
ACTING_FOR_HEADER = "X-Acting-For"

# Layered parameters: documented on, and checked for, every operation of the controller.
# The handlers read the header through one resolver (``app.web.agency.bearer_applicant``).
ACTING_FOR = {
    "acting_for": HeaderParameter(
        name=ACTING_FOR_HEADER,
        annotation=UUID,
        required=False,
        default=None,
        description=(
            "Act for an enterprise (the id of one the signed-in person is an active member of: "
            "GET /mp/v1/enterprises) or for a person who authorized them, as a relative or a "
            "guardian (the principal's id: GET /mp/v1/me/acting-for). Checked on every "
            "request: a membership or authorization that does not (or no longer) hold answers "
            "404, and an agent's steps are limited to the authorization's services and actions "
            "(404 outside them). Without it the person acts as themselves."
        ),
    )
}


def components() -> Components:
    """The components the app's document needs for this channel: the bearer scheme."""
    return Components(
        security_schemes={
            BEARER: SecurityScheme(
                type="http",
                scheme="bearer",
                description=(
                    "The access token from /mp/v1/auth/sms, /wechat, /alipay, /bind or "
                    "/refresh, as `Authorization: Bearer <accessToken>`."
                ),
            )
        }
    )


_ACCESS_NOTES = {
    Access.PUBLIC: "Open to anyone; no token needed.",
    Access.BEARER_PERSON: (
        "Needs a signed-in person's access token (`Authorization: Bearer …`); "
        "without a valid one: 401 `unauthenticated`."
    ),
}


def _summary(doc: str) -> str:
    """The docstring's first sentence without its asides (parentheses, what follows : or ;)."""
    first = doc.split("\n\n", 1)[0].replace("\n", " ").split(". ", 1)[0]
    first = re.sub(r"\s*\([^)]*\)", "", first)
    return re.split(r"; |: ", first, maxsplit=1)[0].strip().rstrip(".")


def _access(handler: HTTPRouteHandler) -> Access | None:
    # The controller's and router's ``opt`` reach the handler only once the app registers it.
    opt: dict[str, Any] = {}
    for layer in handler.ownership_layers:
        opt.update(layer.opt or {})
    try:
        return Access(opt["access"]) if "access" in opt else None
    except ValueError:
        return None


def document(handler: HTTPRouteHandler) -> None:
    """Fill in what the document says of one operation (a handler's own settings win)."""
    doc = inspect.cleandoc(handler.fn.__doc__ or "").replace("``", "`")
    access = _access(handler)
    if not handler.summary and doc:
        handler.summary = _summary(doc)
    if handler.description is None:
        note = _ACCESS_NOTES.get(access, "") if access is not None else ""
        handler.description = "\n\n".join(part for part in (doc, note) if part) or None
    if access is Access.BEARER_PERSON and not handler.security:
        handler.security = [{BEARER: []}]
    statuses = (*API_PROBLEMS, 415) if _reads_json(handler) else API_PROBLEMS
    handler.responses = {**problem_responses(*statuses), **(handler.responses or {})}


def _reads_json(handler: HTTPRouteHandler) -> bool:
    """Whether the operation takes a JSON body, which any other content type gets 415 for
    (app/web/requests.BoundedRequest)."""
    data = handler.parsed_data_field
    if data is None:
        return False
    body = data.kwarg_definition
    media_type = getattr(body, "media_type", RequestEncodingType.JSON)
    return bool(media_type == RequestEncodingType.JSON)


def document_router(router: Router) -> None:
    """Apply ``document`` to every operation of the router."""
    for route in router.routes:
        for handler in route.route_handlers if isinstance(route, HTTPRoute) else ():
            if isinstance(handler, HTTPRouteHandler):
                document(handler)


def mp_v1_part(document: dict[str, Any]) -> dict[str, Any]:
    """The ``/mp/v1`` operations of the app's document, with only the components they use."""
    paths = {p: item for p, item in document["paths"].items() if p.startswith("/mp/v1/")}
    components = document.get("components", {})
    schemas: dict[str, Any] = components.get("schemas", {})
    used: set[str] = set()
    pending = [paths]
    while pending:
        for ref in _refs(pending.pop()):
            name = ref.removeprefix("#/components/schemas/")
            if name not in used and name in schemas:
                used.add(name)
                pending.append(schemas[name])
    return {
        "openapi": document["openapi"],
        "info": document["info"],
        "paths": paths,
        "components": {
            "schemas": {name: schemas[name] for name in sorted(used)},
            "securitySchemes": components.get("securitySchemes", {}),
        },
    }


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def render(document: dict[str, Any]) -> str:
    """The committed form: sorted keys, two-space indents, UTF-8 text, a final newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
