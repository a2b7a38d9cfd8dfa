"""QR cards: decoded from the rendered PNG, verified with only the published keys, and refused
when expired, revoked, tampered or signed with an unknown key."""

from __future__ import annotations

import base64
import io
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import zxingcpp
from joserfc.jwk import ECKey
from PIL import Image

from app.wallet import presentation
from app.wallet.offline import verify_card
from app.wallet.rendering import qr_version
from app.wallet.service import Holder
from tests.conftest import in_app, sign_in_as
from tests.integration.wallet_support import (
    HOUSEHOLD_FIELDS,
    Client,
    change_license,
    issue,
    new_phone,
    person_id,
    wallet_for,
)

# A phone's camera looks for QR codes only; other formats can be misread in its modules.
QR_ONLY = zxingcpp.BarcodeFormat.QRCode

WECHAT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit MicroMessenger/8.0.44"


async def _holder_with_license(client: Client) -> tuple[Holder, UUID]:
    phone = new_phone()
    await sign_in_as(client, phone)
    holder = Holder.person(await person_id(client, phone))
    issued = await issue(client, holder, source_ref=f"test:card:{holder.id}")
    return holder, issued.id


def _url_in_png(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=QR_ONLY)
    assert len(found) == 1, "exactly one QR code on the card"
    return found[0].text


async def _card_token(client: Client, license_id: UUID, *fields: str) -> str:
    query = "&".join(f"f={field}" for field in fields)
    answer = await client.get(f"/me/licenses/{license_id}/card.png?{query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "no-store"
    url = _url_in_png(answer.content)
    assert url.startswith("http://127.0.0.1:8000/v/")
    return url.rsplit("/v/", 1)[1]


async def _verify(client: Client, token: str, user_agent: str = "test") -> dict[str, object]:
    answer = await client.post("/verify", json={"token": token}, headers={"User-Agent": user_agent})
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    return result


async def test_the_qr_on_the_png_card_verifies_with_only_the_published_keys(
    client: Client,
) -> None:
    _holder, license_id = await _holder_with_license(client)
    token = await _card_token(client, license_id, "name")
    jwks = (await client.get("/.well-known/jwks.json")).json()

    verdict = verify_card(token, jwks)
    assert verdict.result == "authentic"
    assert verdict.presentation is not None
    assert verdict.presentation.license_id == license_id
    assert verdict.presentation.disclosed == {"name": "陈静"}
    assert verdict.issuer == "public-security"
    assert qr_version(f"http://127.0.0.1:8000/v/{token}") <= 12


async def test_the_public_verifier_says_authentic_and_shows_only_the_chosen_fields(
    client: Client,
) -> None:
    _holder, license_id = await _holder_with_license(client)
    token = await _card_token(client, license_id, "name", "id_number")
    answer = await _verify(client, token)
    assert answer["result"] == "authentic"
    assert answer["licenseType"] == "household-register"
    assert answer["issuer"] == "public-security"
    disclosed = {item["field"]: item["value"] for item in answer["disclosed"]}  # type: ignore[attr-defined]
    assert disclosed == {"name": "陈静", "id_number": "3502**********3186"}
    assert HOUSEHOLD_FIELDS["address"] not in str(answer)

    page = await client.get(f"/v/{token}")
    assert page.status_code == 200
    assert "真实有效" in page.text
    assert "陈静" in page.text
    assert HOUSEHOLD_FIELDS["address"] not in page.text


async def test_a_card_never_carries_an_id_number_in_clear(client: Client) -> None:
    _holder, license_id = await _holder_with_license(client)
    token = await _card_token(client, license_id, "name", "id_number", "address")
    raw = base64.b32decode(token + "=" * (-len(token) % 8))
    assert HOUSEHOLD_FIELDS["id_number"].encode() not in raw
    assert b"3502**********3186" in raw


async def test_selective_disclosure_hides_what_was_not_chosen(client: Client) -> None:
    _holder, license_id = await _holder_with_license(client)
    token = await _card_token(client, license_id)
    answer = await _verify(client, token)
    assert answer["result"] == "authentic"
    assert answer["disclosed"] == []
    raw = base64.b32decode(token + "=" * (-len(token) % 8))
    assert "陈静".encode() not in raw
    refused = await client.get(f"/me/licenses/{license_id}/card?f=no_such_field")
    assert refused.status_code == 422


async def test_an_expired_card_is_refused_online_and_offline(client: Client) -> None:
    holder, license_id = await _holder_with_license(client)
    runtime = client.app.state.runtime

    async def dead_card() -> str:
        async with runtime.sessionmaker() as db:
            card = await wallet_for(db, client).present(
                holder, license_id, ["name"], lifetime_seconds=0
            )
            await db.commit()
            return card.token

    token = await in_app(client, dead_card)
    assert (await _verify(client, token))["result"] == "expired"
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert verify_card(token, jwks).result == "expired"
    fresh = await _card_token(client, license_id, "name")
    assert verify_card(fresh, jwks, now=time.time() + 61).result == "expired"


async def test_a_card_of_an_expired_license_is_refused(client: Client) -> None:
    _holder, license_id = await _holder_with_license(client)
    token = await _card_token(client, license_id, "name")
    await change_license(client, license_id, valid_until=datetime.now(UTC) - timedelta(days=1))
    assert (await _verify(client, token))["result"] == "expired"


async def test_a_card_of_a_revoked_license_is_refused_at_once(client: Client) -> None:
    holder, license_id = await _holder_with_license(client)
    token = await _card_token(client, license_id, "name")
    runtime = client.app.state.runtime

    async def revoke() -> None:
        async with runtime.sessionmaker() as db:
            wallet = wallet_for(db, client)
            await wallet.revoke(await wallet.get_for(holder, license_id), "证件遗失补办")
            await db.commit()

    await in_app(client, revoke)
    answer = await _verify(client, token)
    assert answer["result"] == "revoked"
    assert "已注销" in (await client.get(f"/v/{token}")).text


async def test_a_tampered_card_is_refused(client: Client) -> None:
    _holder, license_id = await _holder_with_license(client)
    token = await _card_token(client, license_id, "name")
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    # A byte inside the disclosed name (the payload), then one inside the signature.
    at = raw.index("陈静".encode())
    for position in (at, len(raw) - 5):
        changed = bytearray(raw)
        changed[position] ^= 0x01
        forged = base64.b32encode(bytes(changed)).decode().rstrip("=")
        assert (await _verify(client, forged))["result"] == "tampered"
    assert (await _verify(client, "NOTACARD"))["result"] == "tampered"
    page = await client.get("/v/NOTACARD")
    assert page.status_code == 200
    assert "篡改" in page.text


async def test_a_card_signed_with_an_unpublished_key_is_refused(client: Client) -> None:
    _holder, license_id = await _holder_with_license(client)
    stranger = ECKey.generate_key("P-256", private=True)
    now = int(time.time())
    token = presentation.encode(
        presentation.Presentation(
            license_id=license_id,
            license_type="household-register",
            disclosed={"name": "陈静"},
            valid_until=None,
            issued_at=now,
            expires_at=now + 60,
        ),
        kid="stranger",
        private_key=stranger.private_key,  # type: ignore[arg-type]
    )
    answer = await _verify(client, token)
    assert answer["result"] == "unknown-key"
    assert answer["disclosed"] == []


async def test_the_holder_sees_when_their_cards_were_verified(client: Client) -> None:
    _holder, license_id = await _holder_with_license(client)
    before = await client.get(f"/me/licenses/{license_id}")
    assert "尚未被核验" in before.text
    token = await _card_token(client, license_id, "name")
    await _verify(client, token, user_agent=WECHAT)
    after = await client.get(f"/me/licenses/{license_id}")
    assert "在微信中" in after.text
    assert "真实有效" in after.text
    assert "MicroMessenger" not in after.text


async def test_bad_input_to_the_json_verifier_is_a_problem_document(client: Client) -> None:
    for body in ({}, {"token": 5}, {"token": ""}, {"token": "A" * 5000}):
        answer = await client.post("/verify", json=body)
        assert answer.status_code == 422, body
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == "token"
    broken = await client.post(
        "/verify", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.headers["content-type"].startswith("application/problem+json")


async def test_the_card_page_renews_its_qr_with_and_without_javascript(client: Client) -> None:
    _holder, license_id = await _holder_with_license(client)
    page = await client.get(f"/me/licenses/{license_id}/card?f=name")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'hx-trigger="every 50s"' in page.text
    assert '<noscript><meta http-equiv="refresh" content="50"></noscript>' in page.text
    assert "<svg" in page.text
    fragment = await client.get(f"/me/licenses/{license_id}/card/qr?f=name")
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="card-qr"')
    svg = await client.get(f"/me/licenses/{license_id}/card.svg?f=name")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "居民户口簿(电子)" in svg.text
