"""The audit chain's hash: what it covers, and what may go into an event's detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from app.audit.chain import Link, canonical, clean_detail, link_hash
from app.audit.models import GENESIS_HASH, AuditKind
from app.config import SettingsError, load_settings
from app.identity.models import SecurityEventKind

AT = datetime(2026, 11, 23, 22, 50, 1, 123456, tzinfo=UTC)
LINK = Link(
    id=7,
    at=AT,
    kind="sign_in",
    actor="person:0191e7a0-0000-7000-8000-000000000001",
    subject="person:0191e7a0-0000-7000-8000-000000000001",
    detail={"security_event": 12, "note": ""},
)


def test_the_hash_is_sha256_hex_and_the_same_for_the_same_link() -> None:
    digest = link_hash(GENESIS_HASH, LINK)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert link_hash(GENESIS_HASH, msgspec.structs.replace(LINK)) == digest


@pytest.mark.parametrize(
    "change",
    [
        {"id": 8},
        {"at": AT + timedelta(microseconds=1)},
        {"kind": "sign_in_failed"},
        {"actor": "staff:someone"},
        {"subject": "person:another"},
        {"detail": {"security_event": 13, "note": ""}},
        {"detail": {"security_event": 12}},
    ],
)
def test_changing_any_field_changes_the_hash(change: dict[str, object]) -> None:
    assert link_hash(GENESIS_HASH, msgspec.structs.replace(LINK, **change)) != link_hash(
        GENESIS_HASH, LINK
    )


def test_the_previous_hash_is_part_of_the_hash() -> None:
    assert link_hash("1" * 64, LINK) != link_hash(GENESIS_HASH, LINK)


def test_the_encoding_does_not_depend_on_key_order_or_time_zone() -> None:
    reordered = msgspec.structs.replace(LINK, detail={"note": "", "security_event": 12})
    assert canonical(reordered) == canonical(LINK)
    shanghai = AT.astimezone(timezone(timedelta(hours=8)))
    naive_utc = AT.replace(tzinfo=None)  # how SQLite may hand a value back
    for same_instant in (shanghai, naive_utc):
        assert canonical(msgspec.structs.replace(LINK, at=same_instant)) == canonical(LINK)
    assert b'"at":"2026-11-23T22:50:01.123456+00:00"' in canonical(LINK)


def test_numbers_in_a_detail_are_masked_and_only_scalars_go_in() -> None:
    cleaned = clean_detail({"note": "called 13800138000 about 110101199003077777", "n": 3})
    assert "13800138000" not in str(cleaned["note"])
    assert "110101199003077777" not in str(cleaned["note"])
    assert cleaned["n"] == 3
    with pytest.raises(ValueError, match="only str"):
        clean_detail({"amount": 1.5})
    with pytest.raises(ValueError, match="only str"):
        clean_detail({"nested": {"a": 1}})  # type: ignore[dict-item]


def test_security_kinds_and_audit_kinds_never_share_a_value_and_fit_the_column() -> None:
    audit_kinds = {kind.value for kind in AuditKind}
    security_kinds = {kind.value for kind in SecurityEventKind}
    assert not audit_kinds & security_kinds  # a kind in the chain names one thing
    assert all(len(kind) <= 32 for kind in audit_kinds | security_kinds)


def test_a_retention_under_180_days_is_refused_at_settings_load() -> None:
    with pytest.raises(SettingsError, match="ONETHING_AUDIT_RETENTION_DAYS must be at least 180"):
        load_settings({"ONETHING_AUDIT_RETENTION_DAYS": "179", "ONETHING_SECRET_KEY": "s" * 40})
    accepted = load_settings(
        {"ONETHING_AUDIT_RETENTION_DAYS": "180", "ONETHING_SECRET_KEY": "s" * 40}
    )
    assert accepted.audit_retention_days == 180
    assert load_settings({"ONETHING_SECRET_KEY": "s" * 40}).audit_retention_days == 365
