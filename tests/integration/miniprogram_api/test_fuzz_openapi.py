"""Schemathesis over every operation of the app's own OpenAPI document (issue 9).

The app runs in-process (Litestar's test client: lifespan, Redis, worker) on the session's
database; requests carry a signed-in resident's bearer token, and path ids are half the time
the resident's real draft, application, notice and enterprise, so that authenticated operations are
exercised past the sign-in check and past "not found". Every answer must:

- not be a server error;
- have a status code, content type and body that the document declares for the operation;
- when the request breaks the schema (Schemathesis' negative mode), be a 4xx in
  ``application/problem+json``.

``ONETHING_FUZZ_EXAMPLES`` bounds the examples per operation and mode (CI: a few);
``ONETHING_FUZZ_LONG=1`` (``make fuzz``) adds Schemathesis' examples and coverage phases.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.applications.context import Clock
from app.enterprises.service import EnterpriseService
from app.main import create_app
from app.web.problems import PROBLEM_JSON
from tests.conftest import make_settings
from tests.integration.application_support import Desk, loaded_catalog
from tests.integration.wallet_support import new_credit_code, new_phone
from tests.pii_scan import scan_redis

EXAMPLES = int(os.environ.get("ONETHING_FUZZ_EXAMPLES", "25"))
LONG = os.environ.get("ONETHING_FUZZ_LONG", "") not in ("", "0")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _document() -> dict[str, Any]:
    # The document depends on the code only; an app that is never started gives it.
    with tempfile.TemporaryDirectory() as var:
        schema: dict[str, Any] = create_app(make_settings(Path(var))).openapi_schema.to_schema()
        return schema


schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"] if LONG else ["fuzzing"])


@dataclass
class Resident:
    """The app under test, a signed-in resident's headers and their objects' ids."""

    client: TestClient[Litestar]
    headers: dict[str, str]
    ids: dict[str, str]


def _sign_in(client: TestClient[Litestar], phone: str) -> dict[str, str]:
    sms = client.app.state.runtime.sms
    assert client.post("/mp/v1/auth/sms-codes", json={"phone": phone}).status_code == 202
    code = client.blocking_portal.call(sms.recent)[0].code
    answer = client.post("/mp/v1/auth/sms", json={"phone": phone, "code": code})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['tokens']['accessToken']}"}


@pytest.fixture(scope="module")
def resident(
    migrated_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Resident]:
    """One started app for the module; a resident with a draft, an application, a notice and
    an enterprise they represent."""
    var = tmp_path_factory.mktemp("fuzz") / "var"
    app = create_app(make_settings(var, migrated_database_url))
    with TestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        runtime = client.app.state.runtime
        runtime.catalog = loaded_catalog()
        desk = Desk(runtime.sessionmaker, runtime.protector, var / "files", Clock())
        phone = new_phone()

        async def objects() -> dict[str, str]:
            person = await desk.person(phone)
            application = await desk.submit(person, await desk.draft(person))
            draft = await desk.draft(person)
            async with runtime.sessionmaker() as db, db.begin():
                enterprises = EnterpriseService(db, protector=runtime.protector)
                name = f"测试企业{uuid4().hex[:6]}"
                enterprise = await enterprises.register_from_registry(
                    new_credit_code(), name, phone
                )
            return {
                "draft_id": str(draft.id),
                "application_id": str(application.id),
                "enterprise_id": str(enterprise.id),
            }

        ids = client.blocking_portal.call(objects)
        headers = _sign_in(client, phone)
        notices = client.get("/mp/v1/notices", headers=headers).json()
        if notices.get("notices"):
            ids["notice_id"] = notices["notices"][0]["id"]
        yield Resident(client, headers, ids)
        if not os.environ.get("REDIS_URL"):  # a shared one is searched at the session's end
            found = client.blocking_portal.call(scan_redis, runtime.redis)
            assert not found, "personal numbers in clear in Redis:\n" + "\n".join(found)


def _with_real_ids(case: Any, ids: dict[str, str]) -> None:
    """Half of the generated uuids (by their first digit) become the resident's own ids."""
    for name, value in (case.path_parameters or {}).items():
        try:
            generated = UUID(str(value))
        except ValueError:
            continue
        if name in ids and generated.int >> 127 == 0:
            case.path_parameters[name] = ids[name]


def _send(client: TestClient[Litestar], kwargs: dict[str, Any]) -> httpx.Response:
    """A request Schemathesis prepared for ``requests``, sent through httpx."""
    data = kwargs.pop("data", None)
    if isinstance(data, (bytes, str)):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    if cookies := kwargs.pop("cookies", None):
        # httpx deprecates per-request cookies: send them as the header a browser would.
        kwargs["headers"] = {
            **kwargs.get("headers", {}),
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        }
    if files := kwargs.pop("files", None):
        kwargs["files"] = [(name, _file_part(part)) for name, part in _pairs(files)]
    for unused in ("verify", "timeout", "allow_redirects", "cert", "proxies", "stream"):
        kwargs.pop(unused, None)
    if "files" in kwargs:
        # A multipart body is a stream: read it now, so that the check can show the request
        # even when the app answers (404, 400) without reading it.
        built = client.build_request(**kwargs)
        built.read()
        return client.send(built, follow_redirects=False)
    return client.request(**kwargs, follow_redirects=False)


def _pairs(files: Any) -> list[tuple[str, Any]]:
    return list(files.items()) if isinstance(files, dict) else list(files)


def _file_part(part: Any) -> Any:
    """A multipart part as httpx sends it: a negative case's number or null becomes its text
    (``requests`` writes any value; httpx reads only bytes, text or files, and would fail in
    the test client rather than in the app)."""
    if isinstance(part, tuple):
        return (part[0], _file_part(part[1]), *part[2:])
    return part if isinstance(part, (bytes, str)) or hasattr(part, "read") else str(part)


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=False,
)
def test_every_operation_answers_as_documented(case: Any, resident: Resident) -> None:
    _with_real_ids(case, resident.ids)
    headers = {**resident.headers, **(case.headers or {})}
    kwargs = case.as_transport_kwargs(base_url="http://127.0.0.1:8000", headers=headers)
    response = _send(resident.client, kwargs)
    case.validate_response(response, checks=CHECKS, headers=headers)
    # Every refusal, of a request that breaks the schema or of one that breaks a rule, is a
    # problem document (negative_data_rejection above requires the 4xx for the former).
    if 400 <= response.status_code < 500:
        assert response.headers["content-type"].startswith(PROBLEM_JSON), response.text
