"""Alipay's RSA2 rules: the string to sign, signing, verifying, and raw response members.

Request (Alipay open platform, "自行实现签名"): take every parameter except ``sign``, drop
empty values, sort by name (ASCII), join as ``name=value`` with ``&`` -- values neither
URL-encoded nor escaped -- and sign the UTF-8 bytes with SHA256withRSA (PKCS#1 v1.5),
base64. Response: Alipay signs the raw JSON text of the ``*_response`` (or
``error_response``) member exactly as it sent it, so that text is sliced out of the body
by ``top_level_members`` and never re-serialized.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Final

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_WHITESPACE: Final = frozenset(b" \t\r\n")
_QUOTE: Final = ord('"')
_BACKSLASH: Final = ord("\\")
_OPENERS: Final = {ord("{"): ord("}"), ord("["): ord("]")}
_CLOSERS: Final = frozenset(_OPENERS.values())


class MalformedJson(ValueError):
    """The body is not one JSON object with unique member names."""


def string_to_sign(params: Mapping[str, str]) -> str:
    """Alipay's 待签名字符串: non-empty parameters but ``sign``, sorted, ``k=v`` joined by ``&``."""
    return "&".join(
        f"{key}={value}" for key, value in sorted(params.items()) if key != "sign" and value
    )


def sign_rsa2(message: str, private_key: rsa.RSAPrivateKey) -> str:
    """base64(SHA256withRSA(message as UTF-8)), the ``sign`` of ``sign_type=RSA2``."""
    signature = private_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify_rsa2(message: bytes, signature: str, public_key: rsa.RSAPublicKey) -> bool:
    """Whether ``signature`` (base64) is an RSA2 signature of ``message`` by ``public_key``."""
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error):
        return False
    return True


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM, or from the bare base64 (PKCS#8 or PKCS#1) of Alipay's tool."""
    data = text.strip().encode("ascii")
    key = (
        serialization.load_pem_private_key(data, password=None)
        if data.startswith(b"-----BEGIN")
        else serialization.load_der_private_key(base64.b64decode(data), password=None)
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the app private key is not an RSA key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from PEM, or from the bare base64 that Alipay's console shows."""
    data = text.strip().encode("ascii")
    key = (
        serialization.load_pem_public_key(data)
        if data.startswith(b"-----BEGIN")
        else serialization.load_der_public_key(base64.b64decode(data))
    )
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the Alipay public key is not an RSA key")
    return key


def top_level_members(body: bytes) -> dict[str, bytes]:
    """Each member of the top-level JSON object, name -> its value's raw bytes as sent.

    The body must be valid JSON (checked by a real parser first); this scanner only finds
    where each value starts and ends, respecting strings and escapes. It works on bytes:
    every byte of a multi-byte UTF-8 character is >= 0x80, so none looks like a quote or a
    brace. Duplicate names are refused, or a signed member could hide behind a forged one.
    """
    try:
        msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise MalformedJson("not JSON in UTF-8") from None
    position = _skip_whitespace(body, 0)
    if body[position : position + 1] != b"{":
        raise MalformedJson("not a JSON object")
    members: dict[str, bytes] = {}
    position = _skip_whitespace(body, position + 1)
    while body[position : position + 1] != b"}":
        name_end = _string_end(body, position)
        name = msgspec.json.decode(body[position:name_end], type=str)
        value_start = _skip_whitespace(body, _skip_whitespace(body, name_end) + 1)  # past ':'
        value_end = _value_end(body, value_start)
        if name in members:
            raise MalformedJson("duplicate member")
        members[name] = body[value_start:value_end]
        position = _skip_whitespace(body, value_end)
        if body[position : position + 1] == b",":
            position = _skip_whitespace(body, position + 1)
    return members


def _skip_whitespace(body: bytes, position: int) -> int:
    while position < len(body) and body[position] in _WHITESPACE:
        position += 1
    return position


def _string_end(body: bytes, start: int) -> int:
    """Index just past the JSON string that opens at ``start``."""
    if body[start] != _QUOTE:
        raise MalformedJson("expected a string")
    position = start + 1
    while position < len(body):
        byte = body[position]
        if byte == _BACKSLASH:
            position += 2  # the escaped character, whatever it is (\" \\ \u ...)
            continue
        if byte == _QUOTE:
            return position + 1
        position += 1
    raise MalformedJson("unterminated string")


def _value_end(body: bytes, start: int) -> int:
    """Index just past the JSON value that starts at ``start``."""
    if body[start] == _QUOTE:
        return _string_end(body, start)
    if body[start] not in _OPENERS:
        position = start  # a number, true, false or null runs to the next delimiter
        while (
            position < len(body)
            and body[position] not in b",}]"
            and body[position] not in _WHITESPACE
        ):
            position += 1
        return position
    expected: list[int] = []
    position = start
    while position < len(body):
        byte = body[position]
        if byte == _QUOTE:
            position = _string_end(body, position)
            continue
        if byte in _OPENERS:
            expected.append(_OPENERS[byte])
        elif byte in _CLOSERS:
            if not expected or expected.pop() != byte:
                raise MalformedJson("unbalanced brackets")
            if not expected:
                return position + 1
        position += 1
    raise MalformedJson("unterminated value")
