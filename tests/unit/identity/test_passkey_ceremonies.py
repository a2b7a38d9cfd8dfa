"""The relying party and the readers of what browsers post, without I/O."""

from __future__ import annotations

import pytest

from app.identity.passkey_ceremonies import (
    RelyingParty,
    credential_id_of,
    transports_of,
    user_handle_of,
)


def test_the_relying_party_id_is_the_host_without_its_port() -> None:
    party = RelyingParty.from_origin("https://onething.gov.cn:8443/")
    assert party.id == "onething.gov.cn"
    assert party.origin == "https://onething.gov.cn:8443"


@pytest.mark.parametrize("origin", ["onething.gov.cn", "ftp://onething.gov.cn", "https://"])
def test_an_origin_that_is_not_http_is_refused(origin: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        RelyingParty.from_origin(origin)


def test_ids_and_handles_are_read_in_canonical_base64url() -> None:
    assert credential_id_of({"id": "AAE="}) == "AAE"
    assert credential_id_of({"id": 42}) == ""
    assert credential_id_of({"id": "not base64!"}) == ""
    assert user_handle_of({"response": {"userHandle": "AAE"}}) == "AAE"
    assert user_handle_of({"response": {}}) == ""


def test_only_known_transports_are_kept() -> None:
    credential = {"response": {"transports": ["internal", "carrier-pigeon", 7, "usb"]}}
    assert transports_of(credential) == ["internal", "usb"]
