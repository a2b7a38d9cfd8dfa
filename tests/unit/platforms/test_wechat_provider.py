"""WeChat's encrypted user data, and what the WeChat adapter lets out of the server."""

from __future__ import annotations

import base64

import msgspec
import pytest

from app.platforms.errors import EncryptedDataInvalid
from app.platforms.secret import Secret
from app.platforms.wechat import (
    PhoneInfo,
    WeChatConfig,
    WeChatSession,
    decrypt_encrypted_data,
)

# WeChat's published sample for "开放数据校验与解密", shipped with its demo code
# WXBizDataCrypt (the same values appear in many copies of that demo on GitHub).
SAMPLE_APP_ID = "wx4f4bc4dec97d474b"
SAMPLE_SESSION_KEY = "tiihtNczf5v6AKRyjwEUhQ=="
SAMPLE_IV = "r7BXXKkLb8qrSNn05n0qiA=="
SAMPLE_ENCRYPTED_DATA = (
    "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS"
    "9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142d"
    "NCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6"
    "/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn"
    "/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4P"
    "C7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns"
    "/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYV"
    "oKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuy"
    "Db/XcxxmK01EpqOyuxINew=="
)


def _flip_byte(encrypted: str, index: int) -> str:
    raw = bytearray(base64.b64decode(encrypted))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_wechats_published_sample_decrypts_to_its_documented_plaintext() -> None:
    data = decrypt_encrypted_data(
        SAMPLE_SESSION_KEY, SAMPLE_ENCRYPTED_DATA, SAMPLE_IV, SAMPLE_APP_ID
    )

    assert data["openId"] == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"
    assert data["nickName"] == "Band"
    assert data["unionId"] == "ocMvos6NjeKLIBqg5Mr9QjxrP1FA"
    assert (data["gender"], data["city"], data["province"]) == (1, "Guangzhou", "Guangdong")
    assert data["watermark"] == {"appid": SAMPLE_APP_ID, "timestamp": 1477314187}


def test_the_session_key_may_come_wrapped_as_a_secret() -> None:
    data = decrypt_encrypted_data(
        Secret(SAMPLE_SESSION_KEY), SAMPLE_ENCRYPTED_DATA, SAMPLE_IV, SAMPLE_APP_ID
    )

    assert data["nickName"] == "Band"


def test_whitespace_inside_the_base64_is_ignored() -> None:
    wrapped = "\n".join(
        SAMPLE_ENCRYPTED_DATA[i : i + 64] for i in range(0, len(SAMPLE_ENCRYPTED_DATA), 64)
    )

    data = decrypt_encrypted_data(
        f" {SAMPLE_SESSION_KEY}\n", wrapped, f"{SAMPLE_IV} ", SAMPLE_APP_ID
    )

    assert data["openId"] == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"


def test_data_watermarked_for_another_mini_program_is_refused() -> None:
    with pytest.raises(EncryptedDataInvalid):
        decrypt_encrypted_data(
            SAMPLE_SESSION_KEY, SAMPLE_ENCRYPTED_DATA, SAMPLE_IV, "wx0000000000000000"
        )


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(40, id="a middle block garbles the JSON"),
        pytest.param(-1, id="the last block breaks the padding"),
    ],
)
def test_tampered_ciphertext_is_refused(index: int) -> None:
    tampered = _flip_byte(SAMPLE_ENCRYPTED_DATA, index)

    with pytest.raises(EncryptedDataInvalid):
        decrypt_encrypted_data(SAMPLE_SESSION_KEY, tampered, SAMPLE_IV, SAMPLE_APP_ID)


@pytest.mark.parametrize(
    ("session_key", "encrypted_data", "iv"),
    [
        pytest.param("AAAAAAAAAAAAAAAAAAAAAA==", SAMPLE_ENCRYPTED_DATA, SAMPLE_IV, id="wrong key"),
        pytest.param(
            SAMPLE_SESSION_KEY, SAMPLE_ENCRYPTED_DATA, "AAAAAAAAAAAAAAAAAAAAAA==", id="wrong iv"
        ),
        pytest.param("dGlpaA==", SAMPLE_ENCRYPTED_DATA, SAMPLE_IV, id="a key of 4 bytes"),
        pytest.param(SAMPLE_SESSION_KEY, "not base64!", SAMPLE_IV, id="not base64"),
        pytest.param(SAMPLE_SESSION_KEY, SAMPLE_ENCRYPTED_DATA[:-8], SAMPLE_IV, id="truncated"),
        pytest.param(SAMPLE_SESSION_KEY, "", SAMPLE_IV, id="empty"),
    ],
)
def test_anything_that_does_not_decrypt_raises_one_error_without_details(
    session_key: str, encrypted_data: str, iv: str
) -> None:
    with pytest.raises(EncryptedDataInvalid) as caught:
        decrypt_encrypted_data(session_key, encrypted_data, iv, SAMPLE_APP_ID)

    assert caught.value.message == EncryptedDataInvalid.default_message
    assert caught.value.details == {}
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_the_session_key_never_shows_in_a_repr_and_cannot_be_serialized() -> None:
    session = WeChatSession(openid="o-1", unionid=None, session_key=Secret(SAMPLE_SESSION_KEY))

    assert SAMPLE_SESSION_KEY not in repr(session)
    assert SAMPLE_SESSION_KEY not in str(session)
    with pytest.raises(TypeError):
        msgspec.json.encode(session)
    assert session.session_key.reveal() == SAMPLE_SESSION_KEY


def test_the_app_secret_never_shows_in_the_configs_repr() -> None:
    config = WeChatConfig(app_id="wx1", app_secret="very-secret-value")

    assert "very-secret-value" not in repr(config)
    assert "wx1" in repr(config)


def test_a_phone_number_is_masked_in_its_repr() -> None:
    phone = PhoneInfo(
        phone_number="13812345678", pure_phone_number="13812345678", country_code="86"
    )

    assert "13812345678" not in repr(phone)
    assert "138****5678" in repr(phone)
