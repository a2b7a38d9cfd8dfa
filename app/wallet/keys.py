"""The departments' license signing keys (ES256, P-256) and the JWK Set that publishes them.

Each department signs its own licenses with its current key, created the first time it
signs. Rotation retires the current key and makes a new one; the retired key signs nothing
more but stays in ``/.well-known/jwks.json``, so every license and card it signed keeps
verifying. Private keys are kept encrypted with the ``DataProtector``'s active key, bound to
their ``kid``. These are not the OpenID provider's ID-token keys (``/oidc/jwks.json``).

Each published JWK carries a ``department`` member (RFC 7517 lets clients ignore members
they do not know) so that a verifier holding only the JWK Set can say who issued a card.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import structlog
from joserfc.jwk import ECKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.protection import DataProtector, ProtectionError
from app.wallet.models import SigningKey

ALGORITHM = "ES256"
CURVE = "P-256"
log = structlog.get_logger(__name__)


class KeyMaterial:
    """A usable key: its id, department and private key. The repr hides the key."""

    def __init__(self, kid: str, department_code: str, private: ECKey) -> None:
        self.kid = kid
        self.department_code = department_code
        self.private = private

    def __repr__(self) -> str:
        return f"KeyMaterial(kid={self.kid!r}, department={self.department_code!r}, hidden)"


def _associated_data(kid: str) -> str:
    # Binds each ciphertext to its key id: a private key copied to another row will not decrypt.
    return f"wallet_signing_key.private:{kid}"


def new_kid() -> str:
    """A short random key id (8 URL-safe characters: every byte counts on a QR card)."""
    return secrets.token_urlsafe(6)


class KeyService:
    """Finds, creates and rotates signing keys; lists the public ones."""

    def __init__(self, db: AsyncSession, *, protector: DataProtector) -> None:
        self._db = db
        self._protector = protector

    async def current(self, department_code: str) -> KeyMaterial:
        """The department's signing key, made on first use (one per department, race-safe)."""
        row = await self._current_row(department_code)
        if row is not None:
            try:
                return self._material(row)
            except ProtectionError:
                # The data keys that sealed it are gone: it can never sign again. Retire it
                # (its public half keeps verifying what it signed) and start a new key.
                log.warning(
                    "wallet key unreadable; retired", kid=row.kid, department=department_code
                )
                row.retired_at = datetime.now(UTC)
                await self._db.flush()
        return self._material(await self._create(department_code))

    async def rotate(self, department_code: str) -> tuple[str | None, str]:
        """Retire the current key (if any) and make a new one; returns (old kid, new kid)."""
        old = await self._current_row(department_code)
        if old is not None:
            old.retired_at = datetime.now(UTC)
            await self._db.flush()
        new = await self._create(department_code)
        log.info("wallet key rotated", department=department_code, old=old and old.kid, new=new.kid)
        return (old.kid if old else None), new.kid

    async def public_jwks(self) -> dict[str, Any]:
        """Every key ever made, current and retired, as a public JWK Set (oldest first)."""
        rows = await self._db.scalars(select(SigningKey).order_by(SigningKey.created_at))
        return {"keys": [dict(row.public_jwk) for row in rows]}

    async def by_kid(self, kid: str) -> SigningKey | None:
        """The key with this id, current or retired."""
        return await self._db.scalar(select(SigningKey).where(SigningKey.kid == kid))

    async def _current_row(self, department_code: str) -> SigningKey | None:
        return await self._db.scalar(
            select(SigningKey).where(
                SigningKey.department_code == department_code, SigningKey.retired_at.is_(None)
            )
        )

    async def _create(self, department_code: str) -> SigningKey:
        kid = new_kid()
        private = ECKey.generate_key(CURVE, private=True)
        public = dict(private.as_dict(private=False))
        public.update(kid=kid, use="sig", alg=ALGORITHM, department=department_code)
        row = SigningKey(
            department_code=department_code,
            kid=kid,
            public_jwk=public,
            private_key_ciphertext=self._protector.keyring.encrypt(
                json.dumps(dict(private.as_dict(private=True))),
                associated_data=_associated_data(kid),
            ),
        )
        try:
            async with self._db.begin_nested():
                self._db.add(row)
        except IntegrityError:
            # Another request made the department's first key a moment ago: use that one.
            found = await self._current_row(department_code)
            if found is None:
                raise
            return found
        return row

    def _material(self, row: SigningKey) -> KeyMaterial:
        clear = self._protector.keyring.decrypt(
            row.private_key_ciphertext, associated_data=_associated_data(row.kid)
        )
        return KeyMaterial(row.kid, row.department_code, ECKey.import_key(json.loads(clear)))


def public_key_of(jwk: dict[str, Any]) -> ECKey:
    """The verifying key of a published JWK (members other than the key's are ignored)."""
    return ECKey.import_key({k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk})
