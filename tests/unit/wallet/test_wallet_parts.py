"""The wallet's pure parts: the card format, its size, offline verification, field rules."""

from __future__ import annotations

import time
from datetime import date
from uuid import uuid4

import pytest
from joserfc.jwk import ECKey

from app import errors
from app.protection import DataProtector, generate_protection_keys
from app.wallet import presentation
from app.wallet.fields import protect_fields
from app.wallet.offline import verify_card
from app.wallet.rendering import CardFace, qr_version, render_png, render_svg
from app.wallet.verifier import coarse_client

BASE = "https://onething.example.gov.cn/v/"


def _key(department: str = "market-regulation") -> tuple[ECKey, dict[str, object]]:
    private = ECKey.generate_key("P-256", private=True)
    public = dict(private.as_dict(private=False))
    public.update(kid="k1", alg="ES256", use="sig", department=department)
    return private, public


def _card(private: ECKey, disclosed: dict[str, str], *, lifetime: int = 60) -> str:
    now = int(time.time())
    return presentation.encode(
        presentation.Presentation(
            license_id=uuid4(),
            license_type="business-licence",
            disclosed=disclosed,
            valid_until=date(2046, 11, 23),
            issued_at=now,
            expires_at=now + lifetime,
        ),
        kid="k1",
        private_key=private.private_key,  # type: ignore[arg-type]
    )


BUSINESS = {
    "enterprise_name": "鹭江示例科技有限公司",
    "credit_code": "91310115MA1K4D7Q50",
    "legal_representative": "张伟",
}


def test_a_business_card_with_three_fields_fits_a_version_12_qr_at_level_m() -> None:
    private, _ = _key()
    token = _card(private, BUSINESS)
    assert qr_version(BASE + token) <= 12
    assert qr_version(BASE + _card(private, {"enterprise_name": "鹭江"})) <= 10


def test_a_card_round_trips_and_verifies_offline_with_the_department_named() -> None:
    private, public = _key()
    verdict = verify_card(_card(private, BUSINESS), {"keys": [public]})
    assert verdict.result == "authentic"
    assert verdict.issuer == "market-regulation"
    assert verdict.presentation is not None
    assert verdict.presentation.disclosed == BUSINESS
    assert verdict.presentation.valid_until == date(2046, 11, 23)


def test_offline_verification_refuses_a_key_of_another_department_for_this_type() -> None:
    private, public = _key(department="health")
    verdict = verify_card(
        _card(private, BUSINESS),
        {"keys": [public]},
        departments_of_types={"business-licence": "market-regulation"},
    )
    assert verdict.result == "tampered"


def test_offline_verification_says_unknown_key_and_expired() -> None:
    private, public = _key()
    other, _ = _key()
    assert verify_card(_card(other, {}), {"keys": []}).result == "unknown-key"
    assert verify_card(_card(private, {}, lifetime=0), {"keys": [public]}).result == "expired"


def test_an_id_number_in_clear_can_never_be_put_on_a_card() -> None:
    private, _ = _key()
    with pytest.raises(ValueError, match="never reach a QR"):
        _card(private, {"name": "陈静 350203199511203186"})


def test_sensitive_fields_are_encrypted_and_numbers_elsewhere_refused() -> None:
    protector = DataProtector(generate_protection_keys())
    stored = protect_fields({"name": "陈静", "phone": "13812345678"}, protector)
    assert stored["phone"]["masked"] == "138****5678"
    assert "13812345678" not in str(stored)
    with pytest.raises(errors.RuleViolation) as refused:
        protect_fields({"note": "call 13812345678"}, protector)
    assert "note" in refused.value.fields
    with pytest.raises(errors.RuleViolation):
        protect_fields({"id_number": "123"}, protector)
    with pytest.raises(errors.RuleViolation):
        protect_fields({"Bad Key": "x"}, protector)


def test_the_verifier_keeps_only_a_coarse_kind_of_device() -> None:
    assert coarse_client("Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0") == "wechat"
    assert coarse_client("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)") == "ios"
    assert coarse_client("curl/8.0") == "other"


def test_card_images_carry_the_qr_and_the_license_look() -> None:
    face = CardFace(
        title="营业执照(电子)",
        lines=[("企业", "鹭江示例科技有限公司"), ("有效期", "长期有效")],
        footer="扫码核验",
        url=BASE + "ABC",
    )
    assert render_png(face).startswith(b"\x89PNG")
    svg = render_svg(face)
    assert svg.startswith("<svg")
    assert "营业执照(电子)" in svg
