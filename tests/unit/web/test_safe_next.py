"""Where a sign-in goes next: a path on this site, never anywhere a browser reads as another."""

from __future__ import annotations

import pytest

from app.routes.shared.pages import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "/me\x00",
        "",
    ],
)
def test_next_never_leads_off_the_site(target: str) -> None:
    assert safe_next(target) == "/me"


def test_next_keeps_a_path_on_the_site_with_its_query() -> None:
    assert safe_next("/me/drafts/new?bundle=newborn") == "/me/drafts/new?bundle=newborn"
