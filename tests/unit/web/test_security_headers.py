"""The security headers on their own: the policy text, origins it may name, who gets what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Environment, Settings
from app.web.security_headers import (
    SecurityHeadersMiddleware,
    content_security_policy,
    origin_of,
    policy_allowing_forms_to,
)

HTML = ((b"content-type", b"text/html; charset=utf-8"),)
JSON = ((b"content-type", b"application/json"),)


def _sent(
    middleware: SecurityHeadersMiddleware, headers: list[tuple[bytes, bytes]], path: str
) -> dict[str, list[str]]:
    """The headers of a response to ``path`` that set ``headers``, as the middleware sends it."""
    message: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": headers}
    middleware.add_headers(message, path)  # type: ignore[arg-type]
    found: dict[str, list[str]] = {}
    for name, value in message["headers"]:
        found.setdefault(name.decode(), []).append(value.decode())
    return found


def test_the_policy_names_each_directive_once_and_nothing_unsafe() -> None:
    policy = content_security_policy()
    names = [part.split(" ", 1)[0] for part in policy.split("; ")]
    assert len(names) == len(set(names))
    assert "unsafe" not in policy
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_a_page_may_let_its_forms_end_at_a_plain_origin_only() -> None:
    widened = content_security_policy(form_action=["https://rp.example.gov.cn:8443"])
    assert "form-action 'self' https://rp.example.gov.cn:8443;" in widened
    # Anything that could close the directive and open another is dropped.
    forged = content_security_policy(form_action=["https://a.example; script-src *", "'none'"])
    assert forged == content_security_policy()


@pytest.mark.parametrize(
    ("uri", "origin"),
    [
        ("https://rp.example.gov.cn/callback?x=1", "https://rp.example.gov.cn"),
        ("http://127.0.0.1:9000/cb", "http://127.0.0.1:9000"),
        ("http://[::1]:8080/cb", "http://[::1]:8080"),
        ("https://user:pw@rp.example/cb", "https://rp.example"),
        ("com.example.app:/callback", None),
        ("javascript:alert(1)", None),
        ("https://rp.example:99999/cb", None),
        ("/relative", None),
    ],
)
def test_the_origin_of_a_redirect_uri(uri: str, origin: str | None) -> None:
    assert origin_of(uri) == origin


def test_no_usable_origin_leaves_the_page_its_default_policy() -> None:
    assert policy_allowing_forms_to(None) is None
    assert policy_allowing_forms_to("com.example.app:/callback") is None
    header = policy_allowing_forms_to("https://rp.example/cb")
    assert header is not None
    assert "form-action 'self' https://rp.example;" in header["Content-Security-Policy"]


def test_pages_get_the_policy_and_everything_else_the_common_subset() -> None:
    middleware = SecurityHeadersMiddleware(hsts=False)
    page = _sent(middleware, [*HTML], "/")
    api = _sent(middleware, [*JSON], "/mp/v1/me")

    assert page["content-security-policy"] == [content_security_policy()]
    assert page["x-frame-options"] == ["DENY"]
    for headers in (page, api):
        assert headers["x-content-type-options"] == ["nosniff"]
        assert headers["referrer-policy"] == ["strict-origin-when-cross-origin"]
        assert "strict-transport-security" not in headers
    assert "content-security-policy" not in api
    assert "x-frame-options" not in api


def test_a_header_the_route_set_is_kept_and_not_repeated() -> None:
    middleware = SecurityHeadersMiddleware(hsts=True)
    own = [*HTML, (b"referrer-policy", b"no-referrer"), (b"content-security-policy", b"x")]
    headers = _sent(middleware, own, "/v/token")

    assert headers["referrer-policy"] == ["no-referrer"]
    assert headers["content-security-policy"] == ["x"]
    assert headers["x-frame-options"] == ["DENY"]
    assert headers["strict-transport-security"] == ["max-age=31536000; includeSubDomains"]


def test_only_the_named_paths_pages_may_show_data_images() -> None:
    middleware = SecurityHeadersMiddleware(hsts=False, data_images_under=("/schema",))
    schema = _sent(middleware, [*HTML], "/schema")["content-security-policy"][0]
    home = _sent(middleware, [*HTML], "/")["content-security-policy"][0]
    assert "img-src 'self' data:;" in schema
    assert "img-src 'self';" in home


async def test_an_asgi_app_wrapped_sends_its_answers_with_the_headers() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(HTML)})
        await send({"type": "http.response.body", "body": b"<p>hi"})

    wrapped = SecurityHeadersMiddleware(hsts=False)(app)
    transport = httpx.ASGITransport(app=wrapped)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/")
    assert answer.text == "<p>hi"
    assert answer.headers["content-security-policy"] == content_security_policy()
    assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("env", "base", "sends"),
    [
        (Environment.PRODUCTION, "https://onething.example.gov.cn", True),
        (Environment.PRODUCTION, "http://10.0.0.8:8000", False),
        (Environment.DEVELOPMENT, "https://onething.example.gov.cn", False),
        (Environment.TEST, None, False),
    ],
)
def test_hsts_only_in_production_with_an_https_address(
    tmp_path: Path, env: Environment, base: str | None, sends: bool
) -> None:
    settings = Settings(env=env, var_dir=tmp_path, public_base_url=base)
    assert settings.sends_hsts is sends
