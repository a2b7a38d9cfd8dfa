"""Errors answer in the channel's own shape: problem+json for JSON, a localized page for HTML."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from app.main import create_app

PROBLEM = "application/problem+json"


async def test_a_bad_api_request_gets_problem_details_naming_the_field(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/mp/v1/app-config", params={"platform": "telegram"})

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 400
    assert body["type"] == "about:blank"
    assert body["instance"] == "/mp/v1/app-config"
    assert body["requestId"] == response.headers["x-request-id"]
    assert [error["field"] for error in body["errors"]] == ["platform"]
    assert "Traceback" not in response.text


async def test_problem_titles_follow_the_requests_language(
    client: AsyncTestClient[Litestar],
) -> None:
    chinese = await client.get("/mp/v1/no-such-thing", headers={"Accept-Language": "zh-CN"})
    english = await client.get("/mp/v1/no-such-thing", headers={"Accept-Language": "en"})

    assert chinese.status_code == english.status_code == 404
    assert chinese.headers["content-type"] == english.headers["content-type"] == PROBLEM
    assert english.json()["title"] == "We could not find that page or item."
    assert chinese.json()["title"] != english.json()["title"]
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese.json()["title"])


async def test_a_missing_page_gets_the_localized_error_page_not_json(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/no-such-page", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "We could not find that page or item." in response.text
    assert response.headers["x-request-id"] in response.text  # the reference to quote


async def test_a_body_over_the_limit_is_refused_with_413_on_api_and_pages(
    settings: Settings,
) -> None:
    small = create_app(_with_limit(settings, 1024))
    async with AsyncTestClient(app=small) as client:
        api = await client.request(
            "GET", "/mp/v1/app-config", params={"platform": "wechat"}, content=b"x" * 2048
        )
        page = await client.post(
            "/settings/language",
            content=b"locale=" + b"e" * 4096,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    assert api.status_code == 413
    assert api.headers["content-type"] == PROBLEM
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")


async def test_a_body_under_the_limit_is_served(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(_with_limit(settings, 1024))) as client:
        response = await client.get("/mp/v1/app-config", params={"platform": "alipay"})
    assert response.status_code == 200


def _with_limit(settings: Settings, limit: int) -> Settings:
    import msgspec

    return msgspec.structs.replace(settings, max_request_body_bytes=limit)
