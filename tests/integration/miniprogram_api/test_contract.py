"""The ``/mp/v1`` contract: served to anyone, complete, and committed (issue 16).

``docs/mp-v1.openapi.json`` is the ``/mp/v1`` part of the served document. When it differs,
a contract change is on the way: look at the difference, and if it is meant (additive only
within v1), regenerate the file with ``make contract`` and commit it with the change.
"""

from __future__ import annotations

import json
import os
from typing import Any

import msgspec
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from app.config import PROJECT_ROOT
from app.miniprogram_api.contract import ACTING_FOR_HEADER, BEARER, mp_v1_part, render
from tests.integration.application_support import new_phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer

Client = AsyncTestClient[Litestar]
SNAPSHOT = PROJECT_ROOT / "docs" / "mp-v1.openapi.json"
METHODS = ("get", "put", "post", "delete", "patch")


async def _served(client: Client, headers: dict[str, str] | None = None) -> dict[str, Any]:
    answer = await client.get("/schema/openapi.json", headers=headers or {})
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


async def test_the_document_and_its_ui_answer_anyone_signed_in_or_not(client: Client) -> None:
    signed_in = await bearer(client, new_phone())
    for headers in ({}, signed_in, {"Authorization": "Bearer not-a-token"}):
        assert (await _served(client, headers))["paths"]
        ui = await client.get("/schema", headers=headers)
        assert ui.status_code == 200
        assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in ui.text
        assert "cdn" not in ui.text.lower()  # the UI's scripts are ours (assets/vendor)
    script = await client.get("/static/vendor/swagger-ui-dist/swagger-ui-bundle.js")
    assert script.status_code == 200


async def test_the_served_mp_v1_document_is_the_committed_one(client: Client) -> None:
    served = render(mp_v1_part(await _served(client)))
    if os.environ.get("ONETHING_WRITE_CONTRACT"):  # make contract
        SNAPSHOT.write_text(served, encoding="utf-8")
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    assert served == committed, (
        f"The served /mp/v1 document differs from {SNAPSHOT.relative_to(PROJECT_ROOT)}. If the "
        "change is meant (additive only within v1: docs/miniprogram.md), run `make contract` "
        "and commit the file with the change."
    )


async def test_every_mp_operation_is_described_with_its_security_and_problems(
    client: Client,
) -> None:
    document = await _served(client)
    assert document["components"]["securitySchemes"][BEARER]["scheme"] == "bearer"
    operations = [op for op in _operations(document) if op[1].startswith("/mp/v1/")]
    assert len(operations) > 30
    for method, path, operation in operations:
        where = f"{method} {path}"
        assert 0 < len(operation.get("summary", "")) <= 80, where
        assert operation.get("description"), where
        assert {"400", "401", "404", "422", "429", "503"} <= set(operation["responses"]), where
        problem = operation["responses"]["422"]["content"]["application/problem+json"]
        assert problem["schema"]["$ref"].endswith("/Problem"), where
        # Signing in is open to anyone; signing out everywhere needs the token it ends.
        public = path.startswith(("/mp/v1/auth/", "/mp/v1/catalog/", "/mp/v1/app-config"))
        public = public and path != "/mp/v1/auth/sign-out-everywhere"
        assert (operation.get("security") == [{BEARER: []}]) is not public, where
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        # Whatever an enterprise holds (drafts, applications, licences, imports into its
        # wallet) is reached acting for it.
        acted = path.startswith(("/mp/v1/drafts", "/mp/v1/applications", "/mp/v1/licenses"))
        assert (ACTING_FOR_HEADER in headers) is acted, where


def _request_structs(app: Litestar) -> dict[str, type[msgspec.Struct]]:
    """Each ``/mp/v1`` operation's request body type, by ``"METHOD path"``."""
    found: dict[str, type[msgspec.Struct]] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/mp/v1/"):
            continue
        for handler in route.route_handlers:
            field = handler.parsed_fn_signature.parameters.get("data")
            data = field.annotation if field is not None else None
            if isinstance(data, type) and issubclass(data, msgspec.Struct):
                for method in handler.http_methods:
                    found[f"{method} {route.path}"] = data
    return found


async def test_request_bodies_mark_every_member_without_a_default_required(
    client: Client,
) -> None:
    document = await _served(client)
    schemas = document["components"]["schemas"]
    structs = _request_structs(client.app)
    assert len(structs) >= 10
    for struct in structs.values():
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        required = {f.encode_name for f in info.fields if f.required}
        assert set(schemas[struct.__name__].get("required", [])) == required, struct
    sms = schemas["SmsSignIn"]
    assert sorted(sms["required"]) == ["code", "phone"]
    assert sms["properties"]["phone"]["pattern"] == "^1[3-9][0-9]{9}$"


async def test_errors_carry_a_stable_code_beside_the_localized_text(client: Client) -> None:
    missing = await client.get("/mp/v1/catalog/bundles/no-such-thing")
    assert missing.json()["code"] == "not_found"
    malformed = await client.post("/mp/v1/auth/sms-codes", json={"phone": "12"})
    assert (malformed.status_code, malformed.json()["code"]) == (400, "validation_failed")
    anonymous = await client.get("/mp/v1/me")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")
    unsupported = await client.delete("/mp/v1/me")
    assert (unsupported.status_code, unsupported.json()["code"]) == (405, "method_not_allowed")
    assert unsupported.headers["allow"] == "GET" or "GET" in unsupported.headers["allow"]
    assert unsupported.headers["content-type"].startswith("application/problem+json")


async def test_each_unreached_draft_step_is_named_in_the_refusal(client: Client) -> None:
    auth = await bearer(client, new_phone())
    en = {**auth, "Accept-Language": "en"}
    started = await client.post("/mp/v1/drafts", json={"bundleCode": "newborn"}, headers=auth)
    base = f"/mp/v1/drafts/{started.json()['id']}"
    early = await client.get(f"{base}/form", headers=en)
    assert early.status_code == 422
    assert (early.json()["code"], early.json()["step"]) == ("draft_step_missing", "questions")
    assert early.json()["detail"] == "Please answer the questions first."
    answers = {"birth_certificate": ["pending"], "household": ["local"],
               "maternity_insurance": ["no"]}  # fmt: skip
    await client.put(f"{base}/answers", json={"answers": answers}, headers=auth)
    at_notice = await client.get(f"{base}/form", headers=en)
    assert (at_notice.json()["code"], at_notice.json()["step"]) == ("draft_step_missing", "notice")
    assert "notice" in at_notice.json()["detail"]
    submitted = await client.post(
        "/mp/v1/applications",
        json={"draftId": started.json()["id"], "delivery": "pickup"},
        headers={**auth, "Idempotency-Key": "contract-test-1"},
    )
    assert submitted.status_code == 422
    assert (submitted.json()["code"], submitted.json()["step"]) == ("draft_step_missing", "notice")
    zh = await client.get(f"{base}/form", headers={**auth, "Accept-Language": "zh-CN"})
    assert zh.json()["detail"] != "Please read the notice (一次告知) and confirm it first."


def test_the_committed_document_is_deterministic() -> None:
    committed = SNAPSHOT.read_text(encoding="utf-8")
    assert render(json.loads(committed)) == committed
