"""Passkeys through the real app, answered by a software authenticator (no browser)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.composition.runtime import Runtime
from app.identity.models import SecurityEvent, SecurityEventKind
from app.identity.passkey_models import Passkey
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.fakes.authenticator import SoftAuthenticator, b64url

JSON = {"Accept": "application/json"}
EVIL = "https://onething.example.com.evil.test"


def _phone() -> str:
    return f"136{uuid.uuid4().int % 10**8:08d}"


async def _post(client: AsyncTestClient[Litestar], path: str, body: Any) -> httpx.Response:
    """A JSON post as passkeys.js sends it: CSRF token in the header."""
    headers = {**JSON, "X-CSRFToken": await csrf_token(client)}
    return await client.post(path, json=body, headers=headers)


async def _add(
    client: AsyncTestClient[Litestar],
    authenticator: SoftAuthenticator,
    *,
    name: str = "My phone",
    **lie: Any,
) -> httpx.Response:
    options = (await _post(client, "/me/passkeys/options", {})).json()
    credential = authenticator.create(options["publicKey"], **lie)
    body = {"ceremony": options["ceremony"], "name": name, "credential": credential}
    return await _post(client, "/me/passkeys", body)


async def _assertion(
    client: AsyncTestClient[Litestar], authenticator: SoftAuthenticator, **lie: Any
) -> dict[str, Any]:
    options = (await _post(client, "/sign-in/passkey/options", {})).json()
    credential = authenticator.get(options["publicKey"], **lie)
    return {"ceremony": options["ceremony"], "credential": credential, "next": "/me"}


async def _sign_in(
    client: AsyncTestClient[Litestar], authenticator: SoftAuthenticator, **lie: Any
) -> httpx.Response:
    return await _post(client, "/sign-in/passkey", await _assertion(client, authenticator, **lie))


async def _sign_out(client: AsyncTestClient[Litestar]) -> None:
    token = await csrf_token(client)
    await client.post("/sign-out", data={"_csrf_token": token}, follow_redirects=False)


async def _stored(client: AsyncTestClient[Litestar], authenticator: SoftAuthenticator) -> Any:
    runtime: Runtime = client.app.state.runtime

    async def read() -> Passkey | None:
        async with runtime.sessionmaker() as db:
            query = select(Passkey).where(
                Passkey.credential_id == b64url(authenticator.credential_id)
            )
            return await db.scalar(query)

    return await in_app(client, read)


async def _events(client: AsyncTestClient[Litestar], person_id: uuid.UUID) -> list[SecurityEvent]:
    runtime: Runtime = client.app.state.runtime

    async def read() -> list[SecurityEvent]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.person_id == person_id)
                .order_by(SecurityEvent.id)
            )
            return list(rows)

    return await in_app(client, read)


async def test_a_resident_adds_a_passkey_then_signs_in_with_it(
    client: AsyncTestClient[Litestar],
) -> None:
    phone = _phone()
    await sign_in_as(client, phone)
    authenticator = SoftAuthenticator()

    added = await _add(client, authenticator, name="  My   phone ")
    assert added.status_code == 201, added.text
    assert added.json() == {"redirect": "/me/passkeys"}
    page = await client.get("/me/passkeys", headers={"Accept-Language": "en"})
    assert "My phone" in page.text
    assert "Not used yet" in page.text

    await _sign_out(client)
    assert (await client.get("/me/passkeys", follow_redirects=False)).status_code == 303
    signed_in = await _sign_in(client, authenticator)

    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json() == {"redirect": "/me"}
    assert "HttpOnly" in signed_in.headers["set-cookie"]
    me = await client.get("/me")
    assert f"{phone[:3]}****{phone[-4:]}" in me.text
    assert "Last used" in (await client.get("/me/passkeys", headers={"Accept-Language": "en"})).text
    stored = await _stored(client, authenticator)
    assert stored.sign_count == 1
    assert stored.transports == "internal,hybrid"
    kinds = [event.kind for event in await _events(client, stored.person_id)]
    assert SecurityEventKind.PASSKEY_ADDED in kinds
    assert kinds[-1] == SecurityEventKind.PASSKEY_SIGN_IN


async def test_the_options_ask_for_a_discoverable_verified_passkey_with_a_random_handle(
    client: AsyncTestClient[Litestar],
) -> None:
    phone = _phone()
    await sign_in_as(client, phone)
    options = (await _post(client, "/me/passkeys/options", {})).json()["publicKey"]

    assert options["rp"]["id"] == "127.0.0.1"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert phone not in str(options)  # the authenticator gets the masked number only
    assert options["user"]["name"] == f"{phone[:3]}****{phone[-4:]}"
    authenticator = SoftAuthenticator()
    assert (await _add(client, authenticator)).status_code == 201
    stored = await _stored(client, authenticator)
    assert stored.user_handle not in (b64url(stored.person_id.bytes), str(stored.person_id))
    again = (await _post(client, "/me/passkeys/options", {})).json()["publicKey"]
    assert again["user"]["id"] == stored.user_handle  # one handle per person, kept
    assert [item["id"] for item in again["excludeCredentials"]] == [stored.credential_id]


async def test_a_passkey_made_for_another_origin_is_refused(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, _phone())
    authenticator = SoftAuthenticator()

    refused = await _add(client, authenticator, origin=EVIL)

    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await _stored(client, authenticator) is None


async def test_a_sign_in_answered_on_another_origin_is_refused(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, _phone())
    authenticator = SoftAuthenticator()
    assert (await _add(client, authenticator)).status_code == 201
    await _sign_out(client)

    refused = await _sign_in(client, authenticator, origin=EVIL)

    assert refused.status_code == 422
    assert "sid=" not in refused.headers.get("set-cookie", "")
    assert (await client.get("/me/passkeys", follow_redirects=False)).status_code == 303


async def test_a_replayed_assertion_is_refused_because_its_challenge_was_used(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, _phone())
    authenticator = SoftAuthenticator()
    assert (await _add(client, authenticator)).status_code == 201
    await _sign_out(client)
    assertion = await _assertion(client, authenticator)
    assert (await _post(client, "/sign-in/passkey", assertion)).status_code == 200
    await _sign_out(client)

    replayed = await _post(client, "/sign-in/passkey", assertion)

    assert replayed.status_code == 422
    assert (await client.get("/me/passkeys", follow_redirects=False)).status_code == 303


async def test_a_sign_count_that_goes_backwards_is_refused_and_recorded(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, _phone())
    authenticator = SoftAuthenticator()
    assert (await _add(client, authenticator)).status_code == 201
    await _sign_out(client)
    assert (await _sign_in(client, authenticator, count=5)).status_code == 200
    await _sign_out(client)

    cloned = await _sign_in(client, authenticator, count=3)

    assert cloned.status_code == 422
    stored = await _stored(client, authenticator)
    assert stored.sign_count == 5
    last = (await _events(client, stored.person_id))[-1]
    assert last.kind == SecurityEventKind.PASSKEY_SIGN_IN_FAILED
    assert "sign count" in last.detail


async def test_a_malformed_answer_is_refused_not_crashed_on(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, _phone())
    authenticator = SoftAuthenticator()
    assert (await _add(client, authenticator)).status_code == 201
    await _sign_out(client)
    bad_handle = await _assertion(client, authenticator)
    bad_handle["credential"]["response"]["userHandle"] = "A"
    no_response = await _assertion(client, authenticator)
    no_response["credential"]["response"] = "nothing"

    for body in (bad_handle, no_response, {"ceremony": "x", "credential": {}}):
        refused = await _post(client, "/sign-in/passkey", body)
        assert refused.status_code == 422, refused.text


async def test_user_verification_is_required(client: AsyncTestClient[Litestar]) -> None:
    await sign_in_as(client, _phone())
    authenticator = SoftAuthenticator()
    assert (await _add(client, authenticator, verified=False)).status_code == 422
    assert (await _add(client, authenticator)).status_code == 201
    await _sign_out(client)

    assert (await _sign_in(client, authenticator, verified=False)).status_code == 422


async def test_a_removed_passkey_no_longer_signs_in(client: AsyncTestClient[Litestar]) -> None:
    await sign_in_as(client, _phone())
    authenticator = SoftAuthenticator()
    assert (await _add(client, authenticator)).status_code == 201
    page = await client.get("/me/passkeys")
    action = re.search(r'action="(/me/passkeys/[0-9a-f-]{36}/remove)"', page.text)
    assert action is not None
    person_id = (await _stored(client, authenticator)).person_id

    removed = await client.post(
        action.group(1), data={"_csrf_token": await csrf_token(client)}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert removed.headers["location"] == "/me/passkeys"
    await _sign_out(client)

    assert (await _sign_in(client, authenticator)).status_code == 422
    kinds = [event.kind for event in await _events(client, person_id)]
    assert SecurityEventKind.PASSKEY_REMOVED in kinds


async def test_another_persons_passkey_cannot_be_removed(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, _phone())
    theirs = SoftAuthenticator()
    assert (await _add(client, theirs)).status_code == 201
    passkey_id = (await _stored(client, theirs)).id
    await _sign_out(client)
    await sign_in_as(client, _phone())

    refused = await client.post(
        f"/me/passkeys/{passkey_id}/remove",
        data={"_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )

    assert refused.status_code == 404
    assert await _stored(client, theirs) is not None


async def test_a_registration_challenge_belongs_to_the_person_who_asked(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, _phone())
    options = (await _post(client, "/me/passkeys/options", {})).json()
    await _sign_out(client)
    await sign_in_as(client, _phone())
    authenticator = SoftAuthenticator()

    credential = authenticator.create(options["publicKey"])
    body = {"ceremony": options["ceremony"], "name": "Stolen", "credential": credential}
    refused = await _post(client, "/me/passkeys", body)

    assert refused.status_code == 422
    assert await _stored(client, authenticator) is None


async def test_a_passkey_needs_a_name(client: AsyncTestClient[Litestar]) -> None:
    await sign_in_as(client, _phone())
    refused = await _add(client, SoftAuthenticator(), name="   ")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "name"


async def test_an_anonymous_visitor_is_sent_to_sign_in(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/me/passkeys", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=/me/passkeys"
    assert (await _post(client, "/me/passkeys/options", {})).status_code == 401


async def test_the_sign_in_page_offers_a_passkey_only_to_scripts(
    client: AsyncTestClient[Litestar],
) -> None:
    page = await client.get("/sign-in", headers={"Accept-Language": "en"})
    form = re.search(r'<form[^>]*data-passkey="sign-in"[^>]*>', page.text, re.S)
    assert form is not None
    assert " hidden" in form.group(0)  # revealed by passkeys.js where WebAuthn works
    assert "Sign in with a passkey" in page.text
    assert (await client.get("/static/js/passkeys.js")).status_code == 200


async def test_a_passkey_post_without_the_csrf_header_is_refused(
    client: AsyncTestClient[Litestar],
) -> None:
    await csrf_token(client)  # the cookie alone is not enough
    refused = await client.post("/sign-in/passkey/options", json={}, headers=JSON)
    assert refused.status_code == 403


async def test_asking_for_sign_in_options_is_limited_per_address(
    client: AsyncTestClient[Litestar],
) -> None:
    token = await csrf_token(client)
    headers = {"X-CSRFToken": token}
    answers = [
        (await client.post("/sign-in/passkey/options", headers=headers)).status_code
        for _ in range(61)
    ]
    assert answers[:60] == [200] * 60
    assert answers[60] == 429
