"""The public verifier: anyone who scans a card learns whether it is authentic and current.

The signature is checked as offline verifiers do (``app.wallet.offline``); then the license's
current status is read, so a revoked license stops verifying at once. Every check of a
well-signed card is logged for its holder ("when were my cards verified") with the outcome
and a coarse kind of device — never an address, an account or the full user agent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.loader import LicenseType
from app.protection import DataProtector
from app.wallet.keys import KeyService
from app.wallet.models import CardVerification, License, LicenseStatus, Verdict
from app.wallet.offline import signature_holds, time_verdict
from app.wallet.presentation import Presentation, PresentationError, decode

# First match wins: in-app browsers before the systems they run on.
_CLIENTS = (
    ("wechat", re.compile(r"MicroMessenger", re.I)),
    ("alipay", re.compile(r"AlipayClient", re.I)),
    ("ios", re.compile(r"iPhone|iPad|iPod", re.I)),
    ("android", re.compile(r"Android", re.I)),
    ("windows", re.compile(r"Windows", re.I)),
    ("macos", re.compile(r"Macintosh|Mac OS X", re.I)),
    ("linux", re.compile(r"Linux|X11", re.I)),
)


def coarse_client(user_agent: str) -> str:
    """The kind of device or app a scan came from, and nothing finer."""
    return next((name for name, pattern in _CLIENTS if pattern.search(user_agent)), "other")


class Verification(msgspec.Struct, kw_only=True, frozen=True):
    """What the verifier answers. Fields, type and issuer only when the signature holds."""

    result: Verdict
    license_type: str | None = None
    issuer: str | None = None  # department code
    disclosed: dict[str, str] = msgspec.field(default_factory=dict)
    valid_until: date | None = None
    card_expires_at: int | None = None


class VerifierService:
    """Checks presented cards and keeps the verification log."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        protector: DataProtector,
        license_types: Mapping[str, LicenseType],
    ) -> None:
        self._db = db
        self._types = license_types
        self._keys = KeyService(db, protector=protector)

    async def verify(
        self, token: str, *, user_agent: str = "", now: float | None = None
    ) -> Verification:
        """The verdict on ``token``; logs it for the holder when the card is well signed."""
        moment = time.time() if now is None else now
        try:
            parsed = decode(token)
        except PresentationError:
            return Verification(result=Verdict.TAMPERED)
        key = await self._keys.by_kid(parsed.kid)
        if key is None:
            return Verification(result=Verdict.UNKNOWN_KEY)
        card = parsed.presentation
        kind = self._types.get(card.license_type)
        if not signature_holds(parsed, key.public_jwk) or kind is None:
            return Verification(result=Verdict.TAMPERED)
        license_ = await self._db.get(License, card.license_id)
        if kind.department != key.department_code or (
            license_ is not None and license_.license_type != card.license_type
        ):
            return Verification(result=Verdict.TAMPERED)
        result = self._verdict(card, license_, moment)
        if license_ is not None:
            self._db.add(
                CardVerification(
                    license_id=license_.id,
                    verified_at=datetime.fromtimestamp(moment, tz=UTC),
                    outcome=result,
                    client=coarse_client(user_agent),
                )
            )
        return Verification(
            result=result,
            license_type=card.license_type,
            issuer=key.department_code,
            disclosed=card.disclosed,
            valid_until=card.valid_until,
            card_expires_at=card.expires_at,
        )

    @staticmethod
    def _verdict(card: Presentation, license_: License | None, moment: float) -> Verdict:
        # A well-signed card of a license we no longer hold cannot be vouched for: the
        # licenses table is append-only, so this means the record was lost, not forged.
        if license_ is None or license_.status == LicenseStatus.REVOKED:
            return Verdict.REVOKED
        if license_.status_at(datetime.fromtimestamp(moment, tz=UTC)) is LicenseStatus.EXPIRED:
            return Verdict.EXPIRED
        return time_verdict(card, moment)
