"""OpenID provider parts without I/O: signing keys, client checks, subjects."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from app.config import SettingsError
from app.errors import RuleViolation
from app.oidc.claims import subject_for
from app.oidc.clients import RegisteredClient, hash_secret, validate_redirect_uri
from app.oidc.keys import (
    format_signing_keys,
    generate_signing_key,
    load_signing_keys,
    parse_signing_keys,
)
from app.protection import DataProtector, generate_protection_keys


def test_development_keys_are_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_signing_keys(None, tmp_path, production=False)
    second = load_signing_keys(None, tmp_path, production=False)

    assert first.kid == second.kid
    assert (tmp_path / "oidc_signing_keys").stat().st_mode & 0o777 == 0o600
    assert all("d" not in key for key in first.public_jwks()["keys"])
    assert "key material hidden" in repr(first)


def test_production_refuses_to_start_without_signing_keys(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ONETHING_OIDC_SIGNING_KEYS"):
        load_signing_keys(None, tmp_path, production=True)


def test_after_a_rotation_the_first_key_signs_and_every_key_is_published() -> None:
    new, old = generate_signing_key(), generate_signing_key()
    keys = parse_signing_keys(format_signing_keys([new, old]))

    published = KeySet.import_key_set(keys.public_jwks())
    token = jwt.encode({"alg": "ES256", "kid": keys.kid}, {"sub": "x"}, keys.signing_key)

    assert keys.kid == new.kid
    assert [key["kid"] for key in keys.public_jwks()["keys"]] == [new.kid, old.kid]
    assert jwt.decode(token, published, algorithms=["ES256"]).claims == {"sub": "x"}
    assert all("d" not in key for key in keys.public_jwks()["keys"])


@pytest.mark.parametrize(
    "raw",
    ["not json", '{"keys": []}', '{"keys": [{"kty": "oct", "k": "AAAA"}]}'],
    ids=["not-json", "empty", "not-ec"],
)
def test_unusable_signing_keys_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(SettingsError, match="OIDC signing key"):
        parse_signing_keys(raw)


def test_a_public_key_cannot_be_the_signing_key() -> None:
    key = generate_signing_key()
    public_only = json.dumps({"keys": [dict(key.as_dict(private=False))]})
    with pytest.raises(SettingsError, match="must be a private key"):
        parse_signing_keys(public_only)


def _client(secret: str | None = "s3cret") -> RegisteredClient:  # noqa: S107
    return RegisteredClient(
        id=uuid.uuid4(),
        client_id="ot-test",
        name="Test",
        redirect_uris=("https://rp.example/cb",),
        secret_hash=hash_secret(secret) if secret else None,
    )


def test_redirect_uris_match_exactly() -> None:
    client = _client()
    assert client.check_redirect_uri("https://rp.example/cb")
    assert not client.check_redirect_uri("https://rp.example/cb/")
    assert not client.check_redirect_uri("https://rp.example/cb?x=1")
    assert not client.check_redirect_uri("https://RP.example/cb")


def test_a_confidential_client_authenticates_with_its_secret_only() -> None:
    client = _client()
    assert client.check_client_secret("s3cret")
    assert not client.check_client_secret("wrong")
    assert client.check_endpoint_auth_method("client_secret_basic", "token")
    assert not client.check_endpoint_auth_method("none", "token")


def test_a_public_client_has_no_secret_to_check() -> None:
    client = _client(secret=None)
    assert not client.check_client_secret("")
    assert client.check_endpoint_auth_method("none", "token")
    assert not client.check_endpoint_auth_method("client_secret_post", "token")


def test_only_openid_requests_are_accepted() -> None:
    assert _client().get_allowed_scope("profile") is None
    assert _client().get_allowed_scope("phone openid openid") == "openid phone"


@pytest.mark.parametrize(
    "uri",
    ["http://rp.example/cb", "https://rp.example/cb#frag", "/cb", "javascript:alert(1)"],
)
def test_unsafe_redirect_uris_cannot_be_registered(uri: str) -> None:
    with pytest.raises(RuleViolation):
        validate_redirect_uri(uri)


def test_loopback_http_redirect_uris_can_be_registered() -> None:
    assert validate_redirect_uri("http://127.0.0.1:8765/cb") == "http://127.0.0.1:8765/cb"


def test_subjects_are_stable_per_client_and_unlinkable_across_clients() -> None:
    protector = DataProtector(generate_protection_keys())
    person = uuid.uuid4()

    first = subject_for(person, "client-a", protector)

    assert first == subject_for(person, "client-a", protector)
    assert first != subject_for(person, "client-b", protector)
    assert str(person) not in first
    assert first != DataProtector(generate_protection_keys()).pseudonym(
        str(person), audience="oidc-sub:client-a"
    )
