"""Security headers on every answer: the pages' policy, the JSON subset, Allow on 405.

The rules are in app/web/security_headers.py and docs/SECURITY.md ("Headers"); the browser
side (no page breaks its policy) is tests/browser/test_accessibility.py.
"""

from __future__ import annotations

import re

import httpx
import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Environment, Settings
from app.main import create_app
from app.oidc.keys import format_signing_keys, generate_signing_key
from app.protection import format_protection_keys, generate_protection_keys

Client = AsyncTestClient[Litestar]
PROBLEM = "application/problem+json"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# A page of each kind: public, the sign-in, a signed-out redirect's target, 404, 405.
PAGES = ("/", "/services", "/sign-in", "/dev/sms-outbox", "/no-such-page")


def assert_page_headers(response: httpx.Response) -> None:
    """What every HTML answer carries (in a non-production configuration: no HSTS)."""
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in response.headers


def assert_non_page_headers(response: httpx.Response) -> None:
    """What a JSON answer, a file or a stream carries: no policy, which only documents read."""
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "content-security-policy" not in response.headers
    assert "x-frame-options" not in response.headers


async def test_every_kind_of_page_carries_the_policy_and_frame_protection(client: Client) -> None:
    for path in PAGES:
        response = await client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code in (200, 404), path
        assert_page_headers(response)


async def test_the_policy_allows_no_inline_script_no_eval_and_no_other_origin(
    client: Client,
) -> None:
    policy = (await client.get("/sign-in")).headers["content-security-policy"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"


async def test_mini_program_answers_and_files_get_the_non_page_subset(client: Client) -> None:
    config = await client.get("/mp/v1/app-config", params={"platform": "wechat"})
    problem = await client.get("/mp/v1/me")  # no token: a 401 problem
    stylesheet = await client.get("/static/css/app.css")

    assert config.status_code == 200
    assert problem.status_code == 401
    assert problem.headers["content-type"] == PROBLEM
    assert stylesheet.status_code == 200
    for response in (config, problem, stylesheet):
        assert_non_page_headers(response)
        assert "strict-transport-security" not in response.headers


async def test_a_routes_own_stricter_referrer_policy_is_kept(client: Client) -> None:
    # The verifier's page names a card's token in its URL: it sends no referrer at all.
    page = await client.get("/v/not-a-card")
    assert page.headers.get_list("referrer-policy") == ["no-referrer"]
    assert page.headers["content-security-policy"] == POLICY


async def test_the_api_documents_page_runs_no_inline_script_or_style(client: Client) -> None:
    page = await client.get("/schema")

    # Swagger UI's stylesheet draws its icons as data: images: that page alone may show them.
    assert page.headers["content-security-policy"] == POLICY.replace(
        "img-src 'self'", "img-src 'self' data:"
    )
    assert page.headers["x-frame-options"] == "DENY"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)  # every script is a file
    assert "<style" not in page.text
    assert "style=" not in page.text
    assert '<script src="/static/js/swagger-init.js"' in page.text
    assert (await client.get("/static/js/swagger-init.js")).status_code == 200


async def test_hsts_is_sent_in_production_over_https_only(settings: Settings) -> None:
    production = msgspec.structs.replace(
        settings,
        env=Environment.PRODUCTION,
        public_base_url="https://onething.example.gov.cn",
        data_keys=format_protection_keys(generate_protection_keys()),
        oidc_signing_keys=format_signing_keys([generate_signing_key()]),
    )
    async with AsyncTestClient(app=create_app(production)) as client:
        page = await client.get("/sign-in")
        api = await client.get("/mp/v1/app-config", params={"platform": "wechat"})
    hsts = "max-age=31536000; includeSubDomains"
    assert page.headers["strict-transport-security"] == hsts
    assert api.headers["strict-transport-security"] == hsts
    # The same app configured for plain http (or any non-production setting) sends none.
    plain = msgspec.structs.replace(production, public_base_url="http://10.0.0.8:8000")
    async with AsyncTestClient(app=create_app(plain)) as client:
        assert "strict-transport-security" not in (await client.get("/sign-in")).headers


async def test_a_405_names_the_allowed_methods_on_pages_and_on_the_api(client: Client) -> None:
    page = await client.delete("/sign-in", headers={"Accept-Language": "en"})
    api = await client.put("/mp/v1/app-config")

    assert page.status_code == 405
    assert set(page.headers["allow"].split(", ")) == {"GET", "OPTIONS"}
    assert_page_headers(page)
    assert api.status_code == 405
    assert api.headers["content-type"] == PROBLEM
    assert api.json()["code"] == "method_not_allowed"
    assert set(api.headers["allow"].split(", ")) == {"GET", "OPTIONS"}
    assert_non_page_headers(api)


async def test_every_route_answers_a_method_it_does_not_take_with_405_and_allow(
    client: Client,
) -> None:
    refused: list[str] = []
    for route in client.app.routes:
        methods = set(getattr(route, "methods", ()))
        method = next((m for m in ("DELETE", "PATCH", "PUT", "POST") if m not in methods), None)
        if not methods or method is None:
            continue
        path = re.sub(r"\{[^}]+:uuid\}", "00000000-0000-0000-0000-000000000000", route.path)
        path = re.sub(r"\{[^}]+:int\}", "1", path)
        path = re.sub(r"\{[^}]+\}", "x", path)
        response = await client.request(method, path)
        allowed = set(response.headers.get("allow", "").split(", "))
        if response.status_code != 405 or not allowed or not allowed <= methods | {"OPTIONS"}:
            refused.append(f"{method} {path}: {response.status_code} Allow={allowed}")
    assert not refused, "\n".join(refused)
