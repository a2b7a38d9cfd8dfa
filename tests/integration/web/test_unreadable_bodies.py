"""Bodies that cannot be read, sent to every route that reads one (issue 18).

The routes come from the app's route table, so a new one is covered the day it is added:
every operation that takes JSON gets JSON whose text is not UTF-8, and the same JSON declared
as ``text/plain``; every route that takes a form (and every page that takes a POST) gets a
URL-encoded and a multipart form whose text is not UTF-8. Each must answer a 4xx — the JSON
problem or the page of its channel, never a 500 — and change no row of the database.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

import app.composition.models  # noqa: F401  (every table in the metadata)
from app.composition.runtime import Runtime
from app.db.base import UUIDv7AuditBase
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.wallet_support import new_phone

Client = AsyncTestClient[Litestar]

NOT_UTF8 = b"\xff\xfe"
_FORMS = {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}
# Routes that read their body raw, as bytes signed by the sender: no JSON or form is decoded.
RAW_BODIES = {"/hooks/sms/receipts"}
# Routes outside the CSRF check that read no form at all: the bytes are never decoded.
NO_FORM = {"/oidc/userinfo"}  # the token is in the Authorization header


def _body_routes(app: Litestar) -> list[tuple[str, str, str]]:
    """(method, path, "json" | "form") for every route that takes a body."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path in RAW_BODIES | NO_FORM:
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            kwarg = data.kwarg_definition if data is not None else None
            form = isinstance(kwarg, BodyKwarg) and kwarg.media_type in _FORMS
            for method in handler.http_methods - {"GET", "HEAD", "OPTIONS"}:
                if data is not None and not form:
                    found.append((method, route.path, "json"))
                elif form or not route.path.startswith(("/mp/", "/dev/")):
                    # A page's POST reads its form even without ``data`` (the CSRF token).
                    found.append((method, route.path, "form"))
    return sorted(found, key=lambda r: (r[1], r[0]))


def _path(template: str) -> str:
    plain = {"uuid": str(uuid.uuid4()), "str": "birth-proof", "int": "1"}
    for name_kind in template.split("{")[1:]:
        name, _, kind = name_kind.split("}")[0].partition(":")
        template = template.replace(f"{{{name}:{kind}}}", plain.get(kind, "x"))
    return template


async def _rows(client: Client) -> dict[str, int]:
    runtime: Runtime = client.app.state.runtime

    async def count() -> dict[str, int]:
        async with runtime.sessionmaker() as db:
            return {
                table.name: int(await db.scalar(select(func.count()).select_from(table)) or 0)
                for table in UUIDv7AuditBase.metadata.sorted_tables
            }

    return await in_app(client, count)


def _send(kind: str) -> dict[str, Any]:
    if kind == "json":
        return {"content": b'{"phone": "' + NOT_UTF8 + b'", "bundleCode": "' + NOT_UTF8 + b'"}',
                "headers": {"Content-Type": "application/json"}}  # fmt: skip
    if kind == "json as text":
        return {"content": b'{"phone": "13800138000"}', "headers": {"Content-Type": "text/plain"}}
    if kind == "urlencoded":
        return {"content": b"name=%FF%FE&note=" + NOT_UTF8,
                "headers": {"Content-Type": "application/x-www-form-urlencoded"}}  # fmt: skip
    boundary = "unreadable"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n'.encode()
            + NOT_UTF8 + f"\r\n--{boundary}--\r\n".encode())  # fmt: skip
    return {"content": body,
            "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"}}  # fmt: skip


# What each kind of bad body must answer once it reaches the reading of the body.
EXPECTED = {
    "json": (400, "validation_failed"),
    "json as text": (415, "unsupported_media_type"),
    "urlencoded": (400, "validation_failed"),
    "multipart": (400, "validation_failed"),
}


@pytest.mark.parametrize("kind", list(EXPECTED))
async def test_a_body_that_cannot_be_read_is_refused_on_every_route_and_changes_nothing(
    client: Client, kind: str
) -> None:
    wanted = "json" if kind.startswith("json") else "form"
    routes = [(m, p) for m, p, k in _body_routes(client.app) if k == wanted]
    assert len(routes) > (20 if wanted == "json" else 40), routes  # the walk found the routes
    await sign_in_as(client, new_phone())  # pages: past the sign-in, to the body
    auth = await bearer(client, new_phone())  # the API: past the bearer, to the body
    if wanted == "json":  # pages that take JSON (passkeys) send the token as a header; a
        auth["X-CSRFToken"] = await csrf_token(client)  # form sends it as a field, read first
    before = await _rows(client)
    status, code = EXPECTED[kind]
    wrong = []
    for method, template in routes:
        request = _send(kind)
        answer = await client.request(
            method, _path(template), content=request["content"],
            headers=request["headers"] | auth, follow_redirects=False,
        )  # fmt: skip
        problem = answer.headers.get("content-type", "").startswith("application/problem+json")
        got = (answer.status_code, answer.json().get("code") if problem else None)
        title = answer.json()["title"] if problem else ""
        if answer.status_code != status or (problem and (got[1] != code or title.isascii())):
            wrong.append(f"{method} {template}: {got} {answer.text[:160]!r}")
        elif not problem:  # a page: the error page says what was wrong, in the reader's language
            assert "text/html" in answer.headers["content-type"], (template, answer.headers)
            if status == 400:
                assert "UTF-8 编码" in answer.text, (template, answer.text[:300])
    assert not wrong, "\n".join(wrong)
    assert await _rows(client) == before


def test_every_documented_operation_that_takes_json_declares_its_415(app: Litestar) -> None:
    """Schemathesis and client generators learn from the document what a wrong content type
    gets; an undeclared 415 would be a conformance failure."""
    paths = app.openapi_schema.to_schema()["paths"]
    # The document names path parameters without their converters: {id:uuid} is {id}.
    json_routes = [
        (m, re.sub(r"\{(\w+):\w+\}", r"{\1}", p))
        for m, p, kind in _body_routes(app)
        if kind == "json"
    ]
    documented = [
        (method, path, paths[path][method.lower()])
        for method, path in json_routes
        if path in paths and method.lower() in paths[path]
    ]
    assert len(documented) > 20, json_routes  # the /mp/v1 operations and /verify
    missing = [f"{m} {p}" for m, p, operation in documented if "415" not in operation["responses"]]
    assert not missing, missing
