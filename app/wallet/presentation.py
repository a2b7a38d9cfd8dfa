"""The QR card's content: a short-lived presentation signed as a COSE_Sign1 (RFC 9052), ES256.

Why COSE rather than a JWS: the same claims make a 207-byte COSE_Sign1 and a 300+ character
JWS (with shorter claims: 139 bytes against 346 characters). The bytes travel in base32
(RFC 4648, upper case, no padding), whose alphabet fits the QR's alphanumeric mode (5.5 bits
a character instead of 8), so a card's URL ``{base}/v/{token}`` stays at QR version 12 or
below at error correction M for a usual disclosure.

Layout (all keys chosen to be one or two CBOR bytes)::

    COSE_Sign1 (tag 18) = [protected {1: -7 (ES256), 4: kid}, {}, payload, r||s]
    payload = {"l": license id (16 bytes), "t": license type code,
               "d": {field code (int) or key (text): shown value},
               "u": license valid until as YYYYMMDD (China time), 0 when it does not expire,
               6: iat, 4: exp}

No ID or phone number is ever in a presentation in clear: the service puts only shown
(masked) values into ``d``, and ``encode`` refuses any value that looks like one.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any
from uuid import UUID

import cbor2
import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from app.privacy import redact
from app.wallet.fields import CODE_OF, KEY_OF_CODE

COSE_SIGN1_TAG = 18
COSE_ALG_ES256 = -7
_HEADER_ALG = 1
_HEADER_KID = 4
_CLAIM_IAT = 6
_CLAIM_EXP = 4
MAX_TOKEN_LENGTH = 1200  # characters; a card of every field stays far below
_COORDINATE = 32


class PresentationError(ValueError):
    """The token is not a well-formed presentation (treated as tampered)."""


class Presentation(msgspec.Struct, kw_only=True, frozen=True):
    """What a card says, once its signature is known to be good."""

    license_id: UUID
    license_type: str
    disclosed: dict[str, str]  # field key -> shown value
    valid_until: date | None
    issued_at: int
    expires_at: int


class Parsed(msgspec.Struct, kw_only=True, frozen=True):
    """A decoded, not yet verified presentation."""

    kid: str
    presentation: Presentation
    signed_bytes: bytes  # the COSE Sig_structure the signature covers
    signature: bytes


def encode(presentation: Presentation, *, kid: str, private_key: ec.EllipticCurvePrivateKey) -> str:
    """Sign ``presentation`` with ``private_key`` and return the base32 token."""
    for value in presentation.disclosed.values():
        if redact(value) != value:
            raise ValueError("an ID or phone number in clear must never reach a QR card")
    protected = cbor2.dumps({_HEADER_ALG: COSE_ALG_ES256, _HEADER_KID: kid.encode()})
    payload = cbor2.dumps(_claims(presentation))
    der = private_key.sign(_sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big")
    message = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return base64.b32encode(message).decode().rstrip("=")


def _claims(p: Presentation) -> dict[Any, Any]:
    return {
        "l": p.license_id.bytes,
        "t": p.license_type,
        "d": {CODE_OF.get(key, key): value for key, value in p.disclosed.items()},
        "u": int(p.valid_until.strftime("%Y%m%d")) if p.valid_until else 0,
        _CLAIM_IAT: p.issued_at,
        _CLAIM_EXP: p.expires_at,
    }


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def decode(token: str) -> Parsed:
    """Parse a token without checking its signature; ``PresentationError`` if malformed."""
    message = _unbase32(token)
    try:
        outer = cbor2.loads(message)
        protected, _unprotected, payload, signature = outer.value
        header = cbor2.loads(protected)
        claims = cbor2.loads(payload)
    except (cbor2.CBORDecodeError, AttributeError, TypeError, ValueError):
        raise PresentationError("not a COSE_Sign1 card") from None
    if not isinstance(outer, cbor2.CBORTag) or outer.tag != COSE_SIGN1_TAG:
        raise PresentationError("not a COSE_Sign1 card")
    if not isinstance(header, dict) or header.get(_HEADER_ALG) != COSE_ALG_ES256:
        raise PresentationError("not signed with ES256")
    kid = header.get(_HEADER_KID)
    if not isinstance(kid, bytes) or not isinstance(signature, bytes) or len(signature) != 64:
        raise PresentationError("no key id or a malformed signature")
    return Parsed(
        kid=kid.decode("utf-8", "replace"),
        presentation=_presentation(claims),
        signed_bytes=_sig_structure(protected, payload),
        signature=signature,
    )


def _unbase32(token: str) -> bytes:
    text = token.strip().upper()
    if not text or len(text) > MAX_TOKEN_LENGTH:
        raise PresentationError("empty or too long")
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise PresentationError("not base32") from None


def _presentation(claims: Any) -> Presentation:
    try:
        disclosed = {
            KEY_OF_CODE[key] if isinstance(key, int) else str(key): str(value)
            for key, value in claims["d"].items()
        }
        until = int(claims["u"])
        return Presentation(
            license_id=UUID(bytes=claims["l"]),
            license_type=str(claims["t"]),
            disclosed=disclosed,
            valid_until=_date_of(until) if until else None,
            issued_at=int(claims[_CLAIM_IAT]),
            expires_at=int(claims[_CLAIM_EXP]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise PresentationError("the claims are malformed") from None


def _date_of(value: int) -> date:
    return date(value // 10000, value // 100 % 100, value % 100)


def signature_matches(parsed: Parsed, public_key: ec.EllipticCurvePublicKey) -> bool:
    """Whether ``parsed`` was signed by the private half of ``public_key``."""
    r = int.from_bytes(parsed.signature[:_COORDINATE], "big")
    s = int.from_bytes(parsed.signature[_COORDINATE:], "big")
    try:
        public_key.verify(
            encode_dss_signature(r, s), parsed.signed_bytes, ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature:
        return False
    return True
