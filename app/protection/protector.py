"""AES-256-GCM encryption and HMAC-SHA256 blind indexes of sensitive personal information."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from enum import StrEnum

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.numbers import normalize_id_number, normalize_phone
from app.protection.keys import ProtectionKeys

FORMAT_VERSION = "v1"
BINARY_VERSION = b"b1"  # sealed files: the same cipher and header, the payload as raw bytes
_NONCE_BYTES = 12  # 96-bit random nonces: safe for far more values than a key will protect
_TAG_BYTES = 16
_SHAPE = f"'{FORMAT_VERSION}.<key id>.<base64url of nonce, ciphertext and tag>'"


class ProtectionError(ValueError):
    """A protected value cannot be decrypted: malformed, unknown key, or altered/misplaced."""


class SensitiveKind(StrEnum):
    """What a protected value is: picks its normalization and separates its blind indexes."""

    ID_NUMBER = "id_number"
    PHONE = "phone"


_NORMALIZERS: dict[SensitiveKind, Callable[[str], str]] = {
    SensitiveKind.ID_NUMBER: normalize_id_number,
    SensitiveKind.PHONE: normalize_phone,
}


class SensitiveColumn(msgspec.Struct, frozen=True):
    """One protected value of a model, declared beside the model.

    ``SensitiveColumn("person.id_number", SensitiveKind.ID_NUMBER)`` stands for the columns
    ``person.id_number_ciphertext`` and ``person.id_number_index``. ``name`` is bound into
    every ciphertext, so a value copied into another column no longer decrypts.
    """

    name: str
    kind: SensitiveKind


class Protected(msgspec.Struct, frozen=True, kw_only=True):
    """What a model stores for one value: the ciphertext and the blind index."""

    ciphertext: str
    index: str


class Keyring:
    """Named AES-256-GCM keys: encrypts under the active key, decrypts under any of them."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        if active_key_id not in self._ciphers:
            raise ValueError(f"The active key {active_key_id!r} is not in the keyring.")
        self.active_key_id = active_key_id

    def encrypt(self, plaintext: str, *, associated_data: str) -> str:
        """``v1.<active key id>.<data>``; decrypting needs the same ``associated_data``."""
        header = f"{FORMAT_VERSION}.{self.active_key_id}"
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self.active_key_id].encrypt(
            nonce, plaintext.encode(), _aad(header, associated_data)
        )
        return f"{header}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, *, associated_data: str) -> str:
        """The plaintext, or ``ProtectionError`` saying why it cannot be had."""
        key_id, payload = self._parse(token)
        header = f"{FORMAT_VERSION}.{key_id}"
        nonce, sealed = payload[:_NONCE_BYTES], payload[_NONCE_BYTES:]
        try:
            clear = self._ciphers[key_id].decrypt(nonce, sealed, _aad(header, associated_data))
        except InvalidTag:
            raise ProtectionError(
                f"The protected value failed authentication: it was altered, or it belongs"
                f" to another column than {associated_data!r}."
            ) from None
        return clear.decode()

    def encrypt_bytes(self, data: bytes, *, associated_data: str) -> bytes:
        """``b1.<active key id>.`` then nonce, ciphertext and tag, raw (no base64: files)."""
        header = f"{BINARY_VERSION.decode()}.{self.active_key_id}"
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self.active_key_id].encrypt(
            nonce, data, _aad(header, associated_data)
        )
        return f"{header}.".encode() + nonce + sealed

    def decrypt_bytes(self, sealed: bytes, *, associated_data: str) -> bytes:
        """The clear bytes of ``encrypt_bytes``'s output, or ``ProtectionError``."""
        key_id, payload = self._parse_bytes(sealed)
        header = f"{BINARY_VERSION.decode()}.{key_id}"
        nonce, body = payload[:_NONCE_BYTES], payload[_NONCE_BYTES:]
        try:
            return self._ciphers[key_id].decrypt(nonce, body, _aad(header, associated_data))
        except InvalidTag:
            raise ProtectionError(
                f"The sealed bytes failed authentication: they were altered, or they belong"
                f" to another place than {associated_data!r}."
            ) from None

    def key_id_of_bytes(self, sealed: bytes) -> str:
        """The id of the key sealed bytes were made with (checks the shape, not the tag)."""
        return self._parse_bytes(sealed)[0]

    def _parse_bytes(self, sealed: bytes) -> tuple[str, bytes]:
        version, _, rest = sealed.partition(b".")
        raw_id, _, payload = rest.partition(b".")
        if version != BINARY_VERSION:
            raise ProtectionError("Not sealed bytes of this version: expected 'b1.<key id>.'.")
        key_id = raw_id.decode("ascii", errors="replace")
        if key_id not in self._ciphers:
            raise ProtectionError(
                f"The bytes were sealed with key {key_id!r}, which is not among the protection"
                " keys: keep old keys listed after a rotation until everything is re-sealed."
            )
        if len(payload) < _NONCE_BYTES + _TAG_BYTES:
            raise ProtectionError("The sealed bytes are truncated.")
        return key_id, payload

    def key_id_of(self, token: str) -> str:
        """The id of the key ``token`` was encrypted with (checks its shape, not its tag)."""
        return self._parse(token)[0]

    def reencrypt(self, token: str, *, associated_data: str) -> str:
        """``token`` under the active key; unchanged when it already is (idempotent)."""
        clear = self.decrypt(token, associated_data=associated_data)
        if self.key_id_of(token) == self.active_key_id:
            return token
        return self.encrypt(clear, associated_data=associated_data)

    def _parse(self, token: str) -> tuple[str, bytes]:
        version, _, rest = token.partition(".")
        key_id, _, encoded = rest.partition(".")
        if version != FORMAT_VERSION:
            raise ProtectionError(f"Not a protected value of this version: expected {_SHAPE}.")
        if key_id not in self._ciphers:
            raise ProtectionError(
                f"The value was encrypted with key {key_id!r}, which is not among the protection"
                " keys: keep old keys listed after a rotation until every value is re-encrypted."
            )
        payload = _b64decode(encoded)
        if payload is None or len(payload) < _NONCE_BYTES + _TAG_BYTES:
            raise ProtectionError(f"The protected value is malformed: expected {_SHAPE}.")
        return key_id, payload


def _aad(header: str, associated_data: str) -> bytes:
    # The header is authenticated too: the version and key id cannot be swapped unnoticed.
    return f"{header}|{associated_data}".encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes | None:
    """Strict base64url: only the canonical spelling, so every changed character is caught."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64encode(data) == text else None


class DataProtector:
    """What services use to store, find and read ID numbers and phone numbers.

    Created once from settings (``DataProtector(load_protection_keys(...))``) and passed to
    services; it holds no state besides its keys.
    """

    def __init__(self, keys: ProtectionKeys) -> None:
        self.keyring = Keyring(keys.encryption_keys, keys.active_key_id)
        # One HMAC key per kind, derived from the index key: indexes of different kinds
        # never coincide, and none reveals anything about another.
        self._index_keys = {
            kind: hmac.digest(keys.index_key, f"onething.blind-index.v1.{kind}".encode(), "sha256")
            for kind in SensitiveKind
        }
        # Pseudonyms (e.g. OpenID subjects per client) get a key of their own, for the same reason.
        self._pseudonym_key = hmac.digest(keys.index_key, b"onething.pseudonym.v1", "sha256")

    def protect(self, value: str, column: SensitiveColumn) -> Protected:
        """Ciphertext and blind index of ``value``, normalized for its kind first."""
        normalized = _NORMALIZERS[column.kind](value)
        return Protected(
            ciphertext=self.keyring.encrypt(normalized, associated_data=column.name),
            index=self._index(normalized, column.kind),
        )

    def reveal(self, ciphertext: str, column: SensitiveColumn) -> str:
        """The clear value stored in ``column``; ``ProtectionError`` when it cannot be read."""
        return self.keyring.decrypt(ciphertext, associated_data=column.name)

    def seal(self, document: str, *, context: str) -> str:
        """``document`` (e.g. a draft's form values as JSON) encrypted and bound to ``context``.

        For whole documents that may hold ID or phone numbers among other values; no index.
        """
        return self.keyring.encrypt(document, associated_data=f"sealed:{context}")

    def unseal(self, token: str, *, context: str) -> str:
        """The document sealed under ``context``; ``ProtectionError`` when it cannot be read."""
        return self.keyring.decrypt(token, associated_data=f"sealed:{context}")

    def seal_bytes(self, data: bytes, *, context: str) -> bytes:
        """``data`` (a file) encrypted and bound to ``context``, in the binary format."""
        return self.keyring.encrypt_bytes(data, associated_data=f"sealed:{context}")

    def unseal_bytes(self, sealed: bytes, *, context: str) -> bytes:
        """The file sealed under ``context``; ``ProtectionError`` when it cannot be read."""
        return self.keyring.decrypt_bytes(sealed, associated_data=f"sealed:{context}")

    def blind_index(self, value: str, kind: SensitiveKind) -> str:
        """The index to look ``value`` up by (equality only): 64 hex digits, irreversible."""
        return self._index(_NORMALIZERS[kind](value), kind)

    def pseudonym(self, value: str, *, audience: str) -> str:
        """A stable, irreversible stand-in for ``value`` that differs for every ``audience``.

        43 URL-safe characters. Two audiences given the same value cannot tell it is the same.
        It derives from the index key: rotating that key changes every pseudonym.
        """
        message = f"{len(audience)}:{audience}|{value}".encode()
        return _b64encode(hmac.digest(self._pseudonym_key, message, "sha256"))

    def needs_reencryption(self, ciphertext: str) -> bool:
        """Whether ``ciphertext`` was made with a key other than the active one."""
        return self.keyring.key_id_of(ciphertext) != self.keyring.active_key_id

    def reencrypt(self, ciphertext: str, column: SensitiveColumn) -> str:
        """``ciphertext`` under the active key (after a rotation); the index is unchanged."""
        return self.keyring.reencrypt(ciphertext, associated_data=column.name)

    def _index(self, normalized: str, kind: SensitiveKind) -> str:
        return hmac.new(self._index_keys[kind], normalized.encode(), hashlib.sha256).hexdigest()
