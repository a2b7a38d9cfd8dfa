"""The provider's metadata (OpenID Connect Discovery 1.0), derived from its issuer URL."""

from __future__ import annotations

from typing import Any

from app.oidc.claims import CLAIMS_SUPPORTED, Scope
from app.oidc.clients import AUTH_BASIC, AUTH_NONE, AUTH_POST
from app.oidc.keys import ALGORITHM
from app.oidc.server import S256

AUTHORIZE_PATH = "/oidc/authorize"
TOKEN_PATH = "/oidc/token"  # noqa: S105 (a path, not a secret)
USERINFO_PATH = "/oidc/userinfo"
JWKS_PATH = "/oidc/jwks.json"


def provider_metadata(issuer: str) -> dict[str, Any]:
    """``/.well-known/openid-configuration`` for ``issuer`` (no trailing slash)."""
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + AUTHORIZE_PATH,
        "token_endpoint": issuer + TOKEN_PATH,
        "userinfo_endpoint": issuer + USERINFO_PATH,
        "jwks_uri": issuer + JWKS_PATH,
        "scopes_supported": [scope.value for scope in Scope],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": [AUTH_BASIC, AUTH_POST, AUTH_NONE],
        "code_challenge_methods_supported": [S256],
        "claims_supported": list(CLAIMS_SUPPORTED),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "prompt_values_supported": ["none", "consent"],
        "ui_locales_supported": ["zh-Hans", "en"],
    }
