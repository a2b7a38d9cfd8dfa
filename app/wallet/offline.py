"""Verifying cards and licenses from the published JWK Set alone: no database, no network.

A verifier that fetched ``/.well-known/jwks.json`` once (and keeps it) can check a QR card
or a license's JWS anywhere. What it cannot know offline is a revocation made after the card
was shown; a card lives about a minute, so that window is short, and the online verifier
(``app.wallet.verifier``) also checks the license's current status.

    jwks = httpx.get("https://onething.gov.cn/.well-known/jwks.json").json()
    verdict = verify_card(token, jwks)       # authentic / expired / tampered / unknown-key
    content = verify_license(license_jws, jwks)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.wallet.keys import public_key_of
from app.wallet.models import Verdict
from app.wallet.presentation import Parsed, Presentation, PresentationError, decode
from app.wallet.presentation import signature_matches as _matches

_CHINA = ZoneInfo("Asia/Shanghai")


class OfflineVerdict(msgspec.Struct, kw_only=True, frozen=True):
    """The verdict, and what the card discloses once its signature holds."""

    result: Verdict
    presentation: Presentation | None = None
    issuer: str | None = None  # the issuing department's code, from the key's JWK
    kid: str | None = None


def verify_card(
    token: str,
    jwks: Mapping[str, Any],
    *,
    now: float | None = None,
    departments_of_types: Mapping[str, str] | None = None,
) -> OfflineVerdict:
    """Check a card token against a JWK Set document (``{"keys": [...]}``).

    ``departments_of_types`` (license type code -> department code), when given, also
    refuses a card whose type another department issues.
    """
    try:
        parsed = decode(token)
    except PresentationError:
        return OfflineVerdict(result=Verdict.TAMPERED)
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == parsed.kid), None)
    if jwk is None:
        return OfflineVerdict(result=Verdict.UNKNOWN_KEY, kid=parsed.kid)
    issuer = jwk.get("department")
    expected = (departments_of_types or {}).get(parsed.presentation.license_type, issuer)
    if not signature_holds(parsed, jwk) or expected != issuer:
        return OfflineVerdict(result=Verdict.TAMPERED, kid=parsed.kid)
    result = time_verdict(parsed.presentation, time.time() if now is None else now)
    return OfflineVerdict(
        result=result, presentation=parsed.presentation, issuer=issuer, kid=parsed.kid
    )


def signature_holds(parsed: Parsed, jwk: Mapping[str, Any]) -> bool:
    """Whether the card's signature verifies with the public key ``jwk``."""
    try:
        public = public_key_of(dict(jwk)).public_key
    except (JoseError, ValueError, KeyError, TypeError):
        return False
    return _matches(parsed, public)


def time_verdict(presentation: Presentation, now: float) -> Verdict:
    """Expired when the card's minute has passed or the license's validity has ended."""
    if presentation.expires_at <= now:
        return Verdict.EXPIRED
    today = datetime.fromtimestamp(now, tz=UTC).astimezone(_CHINA).date()
    if presentation.valid_until is not None and presentation.valid_until < today:
        return Verdict.EXPIRED
    return Verdict.AUTHENTIC


def verify_license(license_jws: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """The signed content of a license's JWS; ``ValueError`` when it does not verify."""
    try:
        key_set = KeySet.import_key_set(
            {
                "keys": [
                    {k: v for k, v in entry.items() if k != "department"} for entry in jwks["keys"]
                ]
            }
        )
        found = jws.deserialize_compact(license_jws, key_set, algorithms=["ES256"])
    except (JoseError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the license does not verify with these keys: {exc}") from None
    content: dict[str, Any] = msgspec.json.decode(found.payload)
    return content
