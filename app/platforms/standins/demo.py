"""The demo credentials a development app gives its stand-ins and its own clients.

The WeChat secret and the key that seals codes are derived from the app's secret key, so
every process of one installation (web, worker) agrees on them. Alipay needs two RSA key
pairs -- the app's and "Alipay's" -- generated once into ``var/alipay_standin_keys``, as
the data protection keys are: never readable by others, and two processes starting
together settle on one file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from pathlib import Path
from typing import Final

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEMO_WECHAT_APP_ID: Final = "wx0000000000de0001"  # "wx" and 16 hex digits, as WeChat's
DEMO_ALIPAY_APP_ID: Final = "2021000000000000"
ALIPAY_KEYS_FILE: Final = "alipay_standin_keys"


class DemoAlipayKeys(msgspec.Struct, kw_only=True, frozen=True):
    """PKCS#8 PEM private keys: the app signs requests, "Alipay" signs answers."""

    app_private_key: str
    alipay_private_key: str

    def __repr__(self) -> str:
        return "DemoAlipayKeys(***)"

    def private_keys(self) -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
        """(the app's key, "Alipay's" key), loaded."""
        return _load_private(self.app_private_key), _load_private(self.alipay_private_key)

    @property
    def app_public_key(self) -> str:
        """The app's public key in PEM, as uploaded to Alipay's console."""
        return public_pem(self.app_private_key)

    @property
    def alipay_public_key(self) -> str:
        """ "Alipay's" public key in PEM, as Alipay's console shows it."""
        return public_pem(self.alipay_private_key)


def derived_secret(secret_key: str, purpose: str) -> bytes:
    """32 bytes for ``purpose``, the same in every process sharing ``secret_key``."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def demo_wechat_secret(secret_key: str) -> str:
    """The demo mini-program's AppSecret: 32 hex digits, as WeChat's."""
    return derived_secret(secret_key, "standin:wechat-app-secret").hex()[:32]


def new_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key, the size Alipay requires for RSA2."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """PKCS#8 PEM text of ``key``."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey | str) -> str:
    """SubjectPublicKeyInfo PEM text of the public half of ``key`` (a key or private PEM)."""
    if isinstance(key, str):
        key = _load_private(key)
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _load_private(text: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(text.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def demo_alipay_keys(var_dir: Path) -> DemoAlipayKeys:
    """Read ``var_dir/alipay_standin_keys``, creating it (mode 0600) the first time."""
    path = var_dir / ALIPAY_KEYS_FILE
    if path.exists():
        return _read(path)
    var_dir.mkdir(parents=True, exist_ok=True)
    keys = DemoAlipayKeys(
        app_private_key=private_pem(new_rsa_key()),
        alipay_private_key=private_pem(new_rsa_key()),
    )
    descriptor, temporary = tempfile.mkstemp(dir=var_dir, prefix=f".{ALIPAY_KEYS_FILE}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:  # mkstemp creates it with mode 0600
            handle.write(msgspec.json.encode(keys))
        os.link(temporary, path)
    except FileExistsError:  # another process linked its keys first: use those
        return _read(path)
    finally:
        os.unlink(temporary)
    return keys


def _read(path: Path) -> DemoAlipayKeys:
    try:
        return msgspec.json.decode(path.read_bytes(), type=DemoAlipayKeys)
    except msgspec.DecodeError as exc:
        raise ValueError(f"{path}: {exc}. Delete the file to get new demo keys.") from None
