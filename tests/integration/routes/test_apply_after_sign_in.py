"""A signed-out resident taps 在线申办 on a guide, signs in, and lands where they were headed."""

from __future__ import annotations

import html
import re

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import csrf_token, latest_code
from tests.integration.records_support import new_phone

Client = AsyncTestClient[Litestar]
# The sign-in form's ``next`` (the header's display switch has one of its own).
_NEXT = re.compile(r'action="/sign-in/(?:code|verify)".*?name="next" value="([^"]*)"', re.S)


async def _tap_apply_online(client: Client, guide: str) -> httpx.Response:
    """Whatever 在线申办 is on the page: a link is followed, a form is sent."""
    link = re.search(r'<a class="button primary" href="([^"]+)">在线申办</a>', guide)
    if link:
        return await client.get(html.unescape(link.group(1)), follow_redirects=False)
    form = re.search(r'<form method="post" action="([^"]+)".*?name="bundle" value="([^"]+)"',
                     guide, re.S)  # fmt: skip
    assert form, "the guide offers to apply online"
    token = await csrf_token(client)
    return await client.post(form.group(1), data={"bundle": form.group(2), "_csrf_token": token},
                             follow_redirects=False)  # fmt: skip


async def _sign_in_from(client: Client, sign_in_url: str, phone: str) -> httpx.Response:
    """Sign in on the page ``sign_in_url`` sent us to, keeping its ``next`` as a browser does."""
    page = await client.get(sign_in_url)
    found = _NEXT.search(page.text)
    assert found
    after = html.unescape(found.group(1))
    token = await csrf_token(client)
    sent = await client.post(
        "/sign-in/code", data={"phone": phone, "next": after, "_csrf_token": token}
    )
    assert sent.status_code == 200, sent.text
    found = _NEXT.search(sent.text)
    assert found
    return await client.post("/sign-in/verify", follow_redirects=False, data={
        "phone": phone, "code": await latest_code(client), "_csrf_token": token,
        "next": html.unescape(found.group(1))})  # fmt: skip


async def test_a_signed_out_resident_who_taps_apply_online_lands_on_that_bundle_after_sign_in(
    client: Client,
) -> None:
    guide = await client.get("/guide/newborn")
    tapped = await _tap_apply_online(client, guide.text)
    assert tapped.status_code == 303
    assert tapped.headers["location"].startswith("/sign-in?next=")
    signed_in = await _sign_in_from(client, tapped.headers["location"], new_phone())
    assert signed_in.status_code == 303, signed_in.text
    landing = await client.get(signed_in.headers["location"])
    assert landing.status_code == 200
    # Not an empty 我的草稿: the bundle chosen, one tap from starting.
    assert "新生儿出生一件事" in landing.text
    form = re.search(r'<form method="post" action="/me/drafts".*?name="bundle" value="([^"]+)"',
                     landing.text, re.S)  # fmt: skip
    assert form, landing.text
    assert form.group(1) == "newborn"
    token = await csrf_token(client)
    started = await client.post("/me/drafts", follow_redirects=False,
                                data={"bundle": "newborn", "_csrf_token": token})  # fmt: skip
    assert started.status_code == 303
    # Back on the guide's link later: the open draft, not a second one.
    again = await client.get("/me/drafts/new?bundle=newborn", follow_redirects=False)
    assert again.headers["location"] == started.headers["location"]


async def test_a_bundle_that_cannot_be_started_says_so_before_any_start(client: Client) -> None:
    token = await csrf_token(client)
    phone = new_phone()
    await client.post("/sign-in/code", data={"phone": phone, "_csrf_token": token})
    await client.post("/sign-in/verify", data={"phone": phone, "code": await latest_code(client),
                                               "_csrf_token": token})  # fmt: skip
    missing = await client.get("/me/drafts/new?bundle=no-such-thing")
    assert missing.status_code == 404
    # An outline (not online yet) says so at once, not after "start".
    outline = await client.get("/me/drafts/new?bundle=marriage")
    assert outline.status_code == 422
    assert "开始申办" not in outline.text
