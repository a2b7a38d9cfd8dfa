"""Licenses and verdicts as pages and card images show them, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from uuid import UUID

import msgspec

from app.catalog.loader import LicenseType
from app.i18n import N_, current_locale
from app.i18n import gettext as _
from app.identity.models import Department
from app.wallet.fields import NUMBER_FIELD, label_of
from app.wallet.models import CardVerification, License, LicenseStatus, Verdict
from app.wallet.rendering import CardFace
from app.wallet.service import china_date, disclosed_value

STATUS_LABELS = {
    LicenseStatus.ISSUED: N_("Valid"),
    LicenseStatus.REVOKED: N_("Revoked"),
    LicenseStatus.EXPIRED: N_("Expired"),
}
VERDICT_LABELS = {
    Verdict.AUTHENTIC: N_("Authentic and valid"),
    Verdict.EXPIRED: N_("Expired"),
    Verdict.REVOKED: N_("Revoked"),
    Verdict.TAMPERED: N_("Not genuine: this code was altered or is not a OneThing card"),
    Verdict.UNKNOWN_KEY: N_("Not genuine: signed with a key no department publishes"),
}


class FieldView(msgspec.Struct, kw_only=True, frozen=True):
    """One field as shown: sensitive values are already masked."""

    key: str
    label: str
    value: str


class LicenseView(msgspec.Struct, kw_only=True, frozen=True):
    """A license as its holder's pages show it."""

    id: UUID
    license_type: str
    title: str
    holder_name: str
    issuer: str
    number: str
    status: LicenseStatus
    status_label: str
    valid_from: date | None
    valid_until: date | None
    revocation_reason: str | None
    fields: list[FieldView]
    for_enterprise: bool


def issuer_name(code: str, departments: Mapping[str, Department]) -> str:
    """A department's name in the current language (its code if unknown)."""
    found = departments.get(code)
    return found.name_in(current_locale()) if found else code


def title_of(code: str, types: Mapping[str, LicenseType]) -> str:
    """A license type's name in the current language (its code if the catalog lost it)."""
    kind = types.get(code)
    return kind.name(current_locale()) if kind else code


def license_view(
    license_: License, types: Mapping[str, LicenseType], departments: Mapping[str, Department]
) -> LicenseView:
    """What the holder sees of ``license_``."""
    status = license_.status_at(datetime.now(UTC))
    return LicenseView(
        id=license_.id,
        license_type=license_.license_type,
        title=title_of(license_.license_type, types),
        holder_name=license_.holder_name,
        issuer=issuer_name(license_.department_code, departments),
        number=license_.number,
        status=status,
        status_label=_(STATUS_LABELS[status]),
        valid_from=china_date(license_.valid_from),
        valid_until=china_date(license_.valid_until),
        revocation_reason=license_.revocation_reason,
        fields=[
            FieldView(key=key, label=_(label_of(key)), value=disclosed_value(license_, key))
            for key in [NUMBER_FIELD, *license_.fields]
        ],
        for_enterprise=license_.enterprise_id is not None,
    )


def validity_text(valid_until: date | None) -> str:
    """ "Valid until 2036-11-23", or "No expiry"."""
    if valid_until is None:
        return _("No expiry")
    return _("Until %(date)s", date=valid_until.isoformat())


def card_face(view: LicenseView, url: str, expiry_clock: str) -> CardFace:
    """The card image's texts for ``view``, the QR's ``url`` and when the code expires."""
    return CardFace(
        title=view.title,
        lines=[
            (_("Enterprise") if view.for_enterprise else _("Holder"), view.holder_name),
            (_("Issued by"), view.issuer),
            (_("Validity"), validity_text(view.valid_until)),
        ],
        footer=_("Scan to verify · this code expires at %(time)s", time=expiry_clock),
        url=url,
    )


CLIENT_LABELS = {
    "wechat": N_("in WeChat"),
    "alipay": N_("in Alipay"),
    "ios": N_("on an iPhone or iPad"),
    "android": N_("on an Android phone"),
    "windows": N_("on a Windows computer"),
    "macos": N_("on a Mac"),
    "linux": N_("on a Linux computer"),
    "other": N_("on another device"),
}


class VerificationRow(msgspec.Struct, kw_only=True, frozen=True):
    """One check of a card, as its holder sees it."""

    at: float  # epoch seconds
    outcome: str
    client: str


def verification_rows(checks: list[CardVerification]) -> list[VerificationRow]:
    """The verification log in words: when, what the verifier said, on what kind of device."""
    return [
        VerificationRow(
            at=check.verified_at.timestamp(),
            outcome=_(VERDICT_LABELS[Verdict(check.outcome)]),
            client=_(CLIENT_LABELS.get(check.client, CLIENT_LABELS["other"])),
        )
        for check in checks
    ]
