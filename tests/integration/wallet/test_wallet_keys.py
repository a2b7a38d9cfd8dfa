"""License signing keys: published with their department, rotated without breaking old licenses."""

from __future__ import annotations

import asyncio
import io
import uuid

import zxingcpp
from PIL import Image

from app.commands.wallet import rotate_key
from app.wallet.offline import verify_card, verify_license
from app.wallet.service import Holder
from tests.conftest import in_app, sign_in_as
from tests.integration.wallet_support import Client, issue, new_phone, person_id, wallet_for

# A phone's camera looks for QR codes only; other formats can be misread in its modules.
QR_ONLY = zxingcpp.BarcodeFormat.QRCode


async def test_the_jwks_lists_public_keys_only_with_their_department_and_a_cache_header(
    client: Client,
) -> None:
    phone = new_phone()
    await sign_in_as(client, phone)
    await issue(
        client, Holder.person(await person_id(client, phone)), source_ref=f"k:{uuid.uuid4()}"
    )
    answer = await client.get("/.well-known/jwks.json")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=300"
    keys = answer.json()["keys"]
    assert keys
    assert all("d" not in key for key in keys)
    assert all(key["alg"] == "ES256" and key["crv"] == "P-256" for key in keys)
    assert "public-security" in {key["department"] for key in keys}
    oidc = (await client.get("/oidc/jwks.json")).json()["keys"]
    assert not {key["kid"] for key in oidc} & {key["kid"] for key in keys}


async def test_rotation_signs_with_the_new_key_and_old_licenses_and_cards_keep_verifying(
    client: Client,
) -> None:
    phone = new_phone()
    await sign_in_as(client, phone)
    holder = Holder.person(await person_id(client, phone))
    old = await issue(client, holder, source_ref=f"rotate:old:{uuid.uuid4()}")
    old_card = await client.get(f"/me/licenses/{old.id}/card.png?f=name")
    old_token = zxingcpp.read_barcodes(Image.open(io.BytesIO(old_card.content)), formats=QR_ONLY)[
        0
    ].text
    old_token = old_token.rsplit("/v/", 1)[1]

    # The command, as `python -m app wallet rotate-key --department public-security` runs it.
    settings = client.app.state.settings
    retired, current = await asyncio.to_thread(asyncio.run, rotate_key(settings, "public-security"))
    assert retired is not None
    assert current != retired
    new = await issue(client, holder, source_ref=f"rotate:new:{uuid.uuid4()}")
    assert new.signing_kid == current
    assert old.signing_kid != current

    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert {old.signing_kid, current} <= {key["kid"] for key in jwks["keys"]}
    assert verify_license(old.jws, jwks)["jti"] == str(old.id)
    assert verify_license(new.jws, jwks)["jti"] == str(new.id)
    assert verify_card(old_token, jwks).result == "authentic"
    answer = await client.post("/verify", json={"token": old_token})
    assert answer.json()["result"] == "authentic"


async def test_a_department_gets_one_current_key_however_many_licenses_it_signs(
    client: Client,
) -> None:
    runtime = client.app.state.runtime

    async def kids() -> set[str]:
        async with runtime.sessionmaker() as db:
            keys = wallet_for(db, client).keys
            found = {(await keys.current("civil-affairs")).kid for _ in range(3)}
            await db.commit()
            return found

    assert len(await in_app(client, kids)) == 1
