"""The shell renders in both languages through the real app, without a browser."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

TABS = ("/", "/services", "/wallet", "/messages", "/me")


@pytest.mark.parametrize(
    ("accept_language", "html_lang", "tab_label"),
    [
        ("zh-CN,zh;q=0.9", "zh-Hans", "首页"),
        ("en-US,en;q=0.8", "en", "Home"),
        ("zh-TW", "zh-Hans", "首页"),
    ],
)
@pytest.mark.parametrize("path", TABS)
async def test_every_tab_renders_in_the_negotiated_language(
    client: AsyncTestClient[Litestar],
    path: str,
    accept_language: str,
    html_lang: str,
    tab_label: str,
) -> None:
    response = await client.get(path, headers={"Accept-Language": accept_language})

    assert response.status_code == 200
    assert f'<html lang="{html_lang}"' in response.text
    assert f"<span>{tab_label}</span>" in response.text
    assert response.headers["content-language"] == html_lang


async def test_a_chosen_language_outlives_the_browser_setting(
    client: AsyncTestClient[Litestar],
) -> None:
    home = await client.get("/me")
    token = client.cookies["csrftoken"]
    chosen = await client.post(
        "/settings/language",
        data={"locale": "en", "next": "/me", "_csrf_token": token},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert home.status_code == 200

    response = await client.get("/me", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en"' in response.text


async def test_a_form_without_its_csrf_token_changes_nothing(
    client: AsyncTestClient[Litestar],
) -> None:
    await client.get("/me")
    refused = await client.post("/settings/language", data={"locale": "en"}, follow_redirects=False)

    assert refused.status_code == 403
    assert "lang" not in refused.cookies
