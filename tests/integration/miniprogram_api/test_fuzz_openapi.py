"""Schemathesis over every operation of the app's own OpenAPI document (issue 9).

The app is served by uvicorn on a loopback port from a thread of the test process (lifespan,
Redis, worker) on the session's database, so that Schemathesis sends the requests itself and
its checks that probe again (a request without or with a wrong token) reach the same app.
Requests carry a signed-in resident's bearer token, and path ids are half the time the
resident's real draft, application, notice and enterprise, so that authenticated operations
are exercised past the sign-in check and past "not found". Every answer passes all of
Schemathesis' checks, among them:

- not a server error;
- a status code, content type, headers and body that the document declares for the operation;
- a request that breaks the schema (negative mode) refused with a 4xx in
  ``application/problem+json``; a request the schema allows not refused with 400;
- a method the path does not take answered 405 with ``Allow``;
- an operation that declares the bearer scheme refusing a request without a valid token.

A schema-valid request may still break a rule of the service that no schema can state (the
answers of a questionnaire, a draft not at its review yet): the document declares those as
422 ``rule_violation`` / ``draft_step_missing`` (app/web/problems.py), so positive data may
get a 422 besides the statuses Schemathesis allows by default.

``ONETHING_FUZZ_EXAMPLES`` bounds the examples per operation and mode (CI: a few);
``ONETHING_FUZZ_LONG=1`` (``make fuzz``) adds Schemathesis' examples and coverage phases.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.config import PositiveDataAcceptanceConfig

from app.applications.context import Clock
from app.composition.runtime import Runtime
from app.enterprises.service import EnterpriseService
from app.main import OneThing, create_app
from app.web.problems import PROBLEM_JSON
from tests.conftest import make_settings
from tests.integration.application_support import Desk, loaded_catalog
from tests.integration.wallet_support import new_credit_code, new_phone
from tests.pii_scan import scan_redis
from tests.serving import ServedApp as Served

EXAMPLES = int(os.environ.get("ONETHING_FUZZ_EXAMPLES", "25"))
LONG = os.environ.get("ONETHING_FUZZ_LONG", "") not in ("", "0")
T = TypeVar("T")


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
# Rules of the service (see the module's docstring); the rest are Schemathesis' defaults.
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=os.environ.get("FUZZ_POS", "2xx,3xx,401,403,404,409,422,429").split(",")
)


@dataclass
class Resident:
    """The served app's base URL, a signed-in resident's headers and their objects' ids."""

    base_url: str
    headers: dict[str, str]
    ids: dict[str, str]


def _sign_in(served: Served, runtime: Runtime, base_url: str, phone: str) -> dict[str, str]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        assert http.post("/mp/v1/auth/sms-codes", json={"phone": phone}).status_code == 202
        outbox: Any = runtime.sms  # the development gateway keeps what it "sent"
        code = served.run(outbox.recent())[0].code
        answer = http.post("/mp/v1/auth/sms", json={"phone": phone, "code": code})
        assert answer.status_code == 200, answer.text
        headers = {"Authorization": f"Bearer {answer.json()['tokens']['accessToken']}"}
        notices = http.get("/mp/v1/notices", headers=headers).json()
    if notices.get("notices"):
        headers["X-Notice-Id"] = notices["notices"][0]["id"]  # taken out by the fixture
    return headers


@pytest.fixture(scope="module")
def resident(
    migrated_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Resident]:
    """One served app for the module; a resident with a draft, an application, a notice and
    an enterprise they represent."""
    var = tmp_path_factory.mktemp("fuzz") / "var"
    app = create_app(make_settings(var, migrated_database_url))
    assert isinstance(app, OneThing)
    with Served(app) as served:
        runtime: Runtime = app.state.runtime
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

        ids = served.run(objects())
        base_url = f"http://127.0.0.1:{served.port}"
        headers = _sign_in(served, runtime, base_url, phone)
        if notice_id := headers.pop("X-Notice-Id", None):
            ids["notice_id"] = notice_id
        yield Resident(base_url, headers, ids)
        if not os.environ.get("REDIS_URL"):  # a shared one is searched at the session's end
            found = served.run(scan_redis(runtime.redis))
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


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=False,
)
def test_every_operation_answers_as_documented(case: Any, resident: Resident) -> None:
    _with_real_ids(case, resident.ids)
    headers = {**resident.headers, **(case.headers or {})}
    response = case.call(base_url=resident.base_url, headers=headers, allow_redirects=False)
    case.validate_response(response, headers=headers)
    # Every refusal, of a request that breaks the schema or of one that breaks a rule, is a
    # problem document (negative_data_rejection above requires the 4xx for the former).
    if 400 <= response.status_code < 500:
        (content_type,) = response.headers.get("content-type", [""])
        assert content_type.startswith(PROBLEM_JSON), response.text
