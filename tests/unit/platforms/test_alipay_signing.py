"""Alipay's RSA2 rules: the string to sign, keys, timestamps, and raw response members."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from app.platforms._alipay_signing import (
    MalformedJson,
    load_private_key,
    load_public_key,
    sign_rsa2,
    verify_rsa2,
)
from app.platforms.alipay import (
    AlipayConfig,
    AlipayToken,
    alipay_timestamp,
    string_to_sign,
    top_level_members,
)
from app.platforms.secret import Secret

# Alipay open platform, "自行实现签名" (sign the request yourself): its example request and
# the string to sign it gives for it. The menu has Chinese names; charset is GBK there.
PUBLISHED_BIZ_CONTENT = (
    '{"button":[{"actionParam":"ZFB_HFCZ","actionType":"out","name":"话费充值"},'
    '{"name":"查询","subButton":[{"actionParam":"ZFB_YECX","actionType":"out","name":"余额查询"},'
    '{"actionParam":"ZFB_LLCX","actionType":"out","name":"流量查询"},'
    '{"actionParam":"ZFB_HFCX","actionType":"out","name":"话费查询"}]},'
    '{"actionParam":"http://m.alipay.com","actionType":"link","name":"最新优惠"}]}'
)
PUBLISHED_REQUEST = {
    "app_id": "2014072300007148",
    "method": "alipay.mobile.public.menu.add",
    "charset": "GBK",
    "sign_type": "RSA2",
    "timestamp": "2014-07-24 03:07:50",
    "biz_content": PUBLISHED_BIZ_CONTENT,
    "sign": "e9zEAe4TTQ4LPLQvETPoLGXTiURcxiAKfMVQ6Hrrsx2hmyIEGvSfAQzbLxHrhyZ48wOJXTsD4FPnt+YGdK57+"
    "fP1BCbf9rIVycfjhYCqlFhbTu9pFnZgT55W+xbAFb9y7vL0MyAxwXUXvZtQVqEwW7pURtKilbcBTEW7TAxzgro=",
    "version": "1.0",
}
PUBLISHED_STRING_TO_SIGN = (
    f"app_id=2014072300007148&biz_content={PUBLISHED_BIZ_CONTENT}&charset=GBK"
    "&method=alipay.mobile.public.menu.add&sign_type=RSA2&timestamp=2014-07-24 03:07:50"
    "&version=1.0"
)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    """One RSA-2048 key for the module (generating one takes a while)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --- the string to sign -------------------------------------------------------------------


def test_the_string_to_sign_matches_alipays_published_example() -> None:
    assert string_to_sign(PUBLISHED_REQUEST) == PUBLISHED_STRING_TO_SIGN


def test_the_string_to_sign_sorts_by_name_drops_sign_and_empty_values() -> None:
    params = {"b": "2", "a": "1", "sign": "xyz", "empty": "", "B": "upper", "a_b": "3", "ab": "4"}

    assert string_to_sign(params) == "B=upper&a=1&a_b=3&ab=4&b=2"


def test_the_string_to_sign_keeps_values_as_they_are_without_url_encoding() -> None:
    params = {
        "notify_url": "https://x.example/a?b=c&d=e",
        "subject": "一件事 100%+1",
        "sign_type": "RSA2",
    }

    assert string_to_sign(params) == (
        "notify_url=https://x.example/a?b=c&d=e&sign_type=RSA2&subject=一件事 100%+1"
    )


# --- signatures and keys -------------------------------------------------------------------


def test_an_rsa2_signature_verifies_over_the_utf8_bytes_and_nothing_else(
    key: rsa.RSAPrivateKey,
) -> None:
    signature = sign_rsa2(PUBLISHED_STRING_TO_SIGN, key)

    assert len(base64.b64decode(signature)) == 256  # RSA-2048
    assert verify_rsa2(PUBLISHED_STRING_TO_SIGN.encode(), signature, key.public_key())
    assert not verify_rsa2(PUBLISHED_STRING_TO_SIGN.encode("gbk"), signature, key.public_key())
    assert not verify_rsa2(b"app_id=1", signature, key.public_key())
    assert not verify_rsa2(PUBLISHED_STRING_TO_SIGN.encode(), "not base64!", key.public_key())


@pytest.mark.parametrize(
    "private_format",
    [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL],
    ids=["PKCS#8", "PKCS#1"],
)
def test_the_app_key_loads_from_pem_or_from_alipays_bare_base64(
    key: rsa.RSAPrivateKey, private_format: serialization.PrivateFormat
) -> None:
    none = serialization.NoEncryption()
    pem = key.private_bytes(serialization.Encoding.PEM, private_format, none).decode()
    der = key.private_bytes(serialization.Encoding.DER, private_format, none)

    for text in (pem, base64.b64encode(der).decode()):
        assert load_private_key(text).private_numbers() == key.private_numbers()


def test_alipays_public_key_loads_from_pem_or_bare_base64(key: rsa.RSAPrivateKey) -> None:
    info = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, info).decode()
    der = key.public_key().public_bytes(serialization.Encoding.DER, info)

    for text in (pem, base64.b64encode(der).decode()):
        assert load_public_key(text).public_numbers() == key.public_key().public_numbers()


def test_the_timestamp_is_beijing_time_whatever_the_servers_zone() -> None:
    late_evening_utc = datetime(2026, 12, 31, 17, 30, 5, tzinfo=UTC)

    assert alipay_timestamp(late_evening_utc) == "2027-01-01 01:30:05"


# --- raw response members -------------------------------------------------------------------


def test_each_member_is_the_exact_raw_text_with_nesting_escapes_and_chinese() -> None:
    member = (
        '{"code":"40002", "sub_msg":"授权码code无效 \\"引号\\" {不是括号}",'
        ' "nested":{"a":[1,{"b":"}]"}],"c":{}}, "path":"a\\/b\\\\"}'
    )
    body = f'{{ "sign" : "c2ln",\n "error_response" : {member} , "n": -1.5e3, "t": true}}'.encode()

    members = top_level_members(body)

    assert members["error_response"] == member.encode()
    assert members["sign"] == b'"c2ln"'
    assert (members["n"], members["t"]) == (b"-1.5e3", b"true")


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(
    document=st.dictionaries(st.text(), _JSON_VALUES, max_size=5),
    ascii_only=st.booleans(),
    indent=st.none() | st.integers(min_value=0, max_value=2),
)
def test_every_member_slice_is_exactly_that_members_json(
    document: dict[str, Any], ascii_only: bool, indent: int | None
) -> None:
    body = json.dumps(document, ensure_ascii=ascii_only, indent=indent).encode()

    members = top_level_members(body)

    assert members.keys() == document.keys()
    for name, raw in members.items():
        assert raw in body
        assert msgspec.json.decode(raw) == document[name]


def test_a_name_written_with_escapes_is_read_as_its_text() -> None:
    members = top_level_members(b'{"\\u0073ign":"x","a\\"b":[]}')

    assert members == {"sign": b'"x"', 'a"b': b"[]"}


def test_an_empty_object_has_no_members() -> None:
    assert top_level_members(b" {} ") == {}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"sign":"a","sign":"b"}', id="a duplicate name could hide a forged member"),
        pytest.param(b'["error_response"]', id="not an object"),
        pytest.param(b'{"a":{"b":1}', id="unbalanced"),
        pytest.param(b'{"a":"unterminated}', id="an open string"),
        pytest.param(b'{"a":1} trailing', id="trailing text"),
        pytest.param(b"", id="empty"),
        pytest.param('{"a":"\udcff"}'.encode("utf-8", "surrogatepass"), id="not UTF-8"),
    ],
)
def test_a_body_that_is_not_one_clean_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(MalformedJson):
        top_level_members(body)


# --- what stays secret ------------------------------------------------------------------------


def test_the_app_private_key_never_shows_in_the_configs_repr(key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    config = AlipayConfig(app_id="2021", app_private_key_pem=pem, alipay_public_key_pem="x")

    assert "PRIVATE KEY" not in repr(config)
    assert pem.splitlines()[1] not in repr(config)


def test_alipay_tokens_never_show_in_a_repr() -> None:
    token = AlipayToken(
        user_id="2088102150477652",
        open_id=None,
        access_token=Secret("authusrB-access"),
        expires_in=1296000,
        refresh_token=Secret("authusrB-refresh"),
    )

    assert "authusrB" not in repr(token)
    assert "2088102150477652" in repr(token)
