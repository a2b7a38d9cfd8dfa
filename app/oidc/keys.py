"""ID-token signing keys: parsed from a setting, or kept under var/ in development.

The setting ``ONETHING_OIDC_SIGNING_KEYS`` is a JWK Set (JSON) of EC P-256 keys, each with a
``kid``. The first key signs and must be private; every key is published at
``/oidc/jwks.json``, so after a rotation the retired key stays listed (its public part is
enough) until the ID tokens it signed have expired. These keys are not the wallet's license
keys, which are published elsewhere.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeySet

from app.config import SettingsError

ALGORITHM = "ES256"
CURVE = "P-256"
DEVELOPMENT_KEYS_FILE = "oidc_signing_keys"
_FORMAT = '{"keys": [{"kty": "EC", "crv": "P-256", "kid": "…", "x": "…", "y": "…", "d": "…"}]}'


class SigningKeys:
    """The provider's ES256 keys: ``signing_key`` signs; ``public_jwks`` lists them all.

    The repr names the key ids but never shows key material (tracebacks, logs).
    """

    def __init__(self, keys: list[ECKey]) -> None:
        if not keys:
            raise SettingsError(f"OIDC signing keys: the key set is empty; {_FORMAT}.")
        seen: set[str] = set()
        for position, key in enumerate(keys, 1):
            if key.curve_name != CURVE:
                raise SettingsError(f"OIDC signing key {position} is not on curve {CURVE}.")
            if not key.kid:
                raise SettingsError(f"OIDC signing key {position} has no 'kid'.")
            if key.kid in seen:
                raise SettingsError(f"OIDC signing key id {key.kid!r} is given twice.")
            seen.add(key.kid)
        if not keys[0].is_private:
            raise SettingsError("The first OIDC signing key signs, so it must be a private key.")
        self._keys = list(keys)

    @property
    def signing_key(self) -> ECKey:
        """The key that signs new ID tokens."""
        return self._keys[0]

    @property
    def kid(self) -> str:
        """The ``kid`` of the signing key (put in every ID token's header)."""
        return str(self._keys[0].kid)

    def public_jwks(self) -> dict[str, Any]:
        """The JWK Set relying parties verify ID tokens with: public parts only."""
        entries = [key.as_dict(private=False, use="sig", alg=ALGORITHM) for key in self._keys]
        return {"keys": [dict(entry) for entry in entries]}

    def __repr__(self) -> str:
        return f"SigningKeys(kids={[key.kid for key in self._keys]!r}, key material hidden)"


def parse_signing_keys(raw: str) -> SigningKeys:
    """Parse a JWK Set of EC P-256 keys; the first one signs."""
    try:
        data = json.loads(raw)
        entries = data["keys"]
        keys = [ECKey.import_key(entry) for entry in entries]
    except (ValueError, KeyError, TypeError, JoseError):
        raise SettingsError(f"OIDC signing keys are not a JWK Set of EC keys: {_FORMAT}.") from None
    return SigningKeys(keys)


def generate_signing_key() -> ECKey:
    """A fresh P-256 private key whose ``kid`` says when it was made."""
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    key = ECKey.generate_key(CURVE, private=True)
    return ECKey.import_key(
        key.as_dict(private=True), parameters={"kid": f"{stamp}-{key.thumbprint()[:8]}"}
    )


def format_signing_keys(keys: list[ECKey]) -> str:
    """The setting's JSON for ``keys`` (private parts included: keep it secret)."""
    return json.dumps(KeySet(list[Key](keys)).as_dict(private=True), separators=(",", ":"))


def load_signing_keys(raw: str | None, var_dir: Path, *, production: bool) -> SigningKeys:
    """Keys from the setting ``raw``; without one, development keys kept in ``var_dir``.

    Production refuses to start without configured keys: a key generated on one server
    would differ from the next one's, and relying parties would reject half the tokens.
    """
    if raw and raw.strip():
        return parse_signing_keys(raw)
    if production:
        raise SettingsError(
            "ONETHING_OIDC_SIGNING_KEYS is required in production: a JWK Set of EC P-256"
            " private keys (python -m app oidc-key generate)."
        )
    return _development_keys(var_dir)


def _development_keys(var_dir: Path) -> SigningKeys:
    """Read ``var_dir/oidc_signing_keys``, creating it (mode 0600) the first time.

    Written to a private temporary file and linked into place, as the protection keys
    are: never readable by others, and two processes starting together agree on one key.
    """
    path = var_dir / DEVELOPMENT_KEYS_FILE
    if path.exists():
        return _read_keys_file(path)
    var_dir.mkdir(parents=True, exist_ok=True)
    text = format_signing_keys([generate_signing_key()])
    descriptor, temporary = tempfile.mkstemp(dir=var_dir, prefix=f".{DEVELOPMENT_KEYS_FILE}.")
    try:
        with os.fdopen(descriptor, "w") as handle:  # mkstemp creates it with mode 0600
            handle.write(text + "\n")
        os.link(temporary, path)
    except FileExistsError:  # another process linked its keys first: use those
        return _read_keys_file(path)
    finally:
        os.unlink(temporary)
    return parse_signing_keys(text)


def _read_keys_file(path: Path) -> SigningKeys:
    try:
        return parse_signing_keys(path.read_text())
    except SettingsError as exc:
        raise SettingsError(
            f"{path}: {exc} Delete the file to start over with a new development key."
        ) from None
