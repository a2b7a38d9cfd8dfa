"""Scopes, the pairwise subject, and the claims each scope releases.

``sub`` is pairwise: a keyed hash of the person's id and the client's id (see
``DataProtector.pseudonym``), so two apps cannot join their records on it, and no app learns
our database id. It is stable for as long as the index key and the client registration are.

The ID token carries ``sub`` and the protocol claims only. Profile, phone and ID-card claims
come from the userinfo endpoint (OIDC Core 5.4 for the code flow): ID tokens travel further
(``id_token_hint`` in logout URLs, browser storage) than a server-to-server userinfo answer.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.i18n import N_
from app.identity.models import PERSON_ID_NUMBER, PERSON_PHONE, Person
from app.protection import DataProtector


class Scope(StrEnum):
    """The scopes OneThing grants."""

    OPENID = "openid"
    PROFILE = "profile"
    PHONE = "phone"
    # 身份证号: released only after a separate, explicit tick on the consent page (PIPL:
    # sensitive personal information needs separate consent).
    ID_CARD = "id_card"


# What the consent page says each scope shares; openid is implied by signing in at all.
SCOPE_DESCRIPTIONS: dict[Scope, str] = {
    Scope.OPENID: N_("That you are signed in with OneThing (an identifier only for this app)"),
    Scope.PROFILE: N_("Your name"),
    Scope.PHONE: N_("Your mobile number"),
    Scope.ID_CARD: N_("Your ID card number"),
}

ID_CARD_CLAIM = "id_card_number"
CLAIMS_SUPPORTED = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "name",
    "phone_number",
    "phone_number_verified",
    ID_CARD_CLAIM,
)


def scope_list(scope: str | None) -> list[str]:
    """The scopes of a space-separated string, each once, in a fixed order."""
    return sorted(set((scope or "").split()))


def subject_for(person_id: object, client_id: str, protector: DataProtector) -> str:
    """The pairwise ``sub`` of a person for one client."""
    return protector.pseudonym(str(person_id), audience=f"oidc-sub:{client_id}")


def userinfo_claims(
    person: Person, client_id: str, scopes: list[str], protector: DataProtector
) -> dict[str, Any]:
    """The claims the granted ``scopes`` release about ``person`` to ``client_id``.

    Clear numbers exist only inside the returned dict, which goes straight to the client.
    """
    claims: dict[str, Any] = {"sub": subject_for(person.id, client_id, protector)}
    if Scope.PROFILE in scopes and person.real_name:
        claims["name"] = person.real_name
    if Scope.PHONE in scopes:
        phone = protector.reveal(person.phone_ciphertext, PERSON_PHONE)
        claims["phone_number"] = f"+86{phone}"  # E.164, as OIDC Core 5.1 recommends
        # Every account's number was verified with an SMS code at its first sign-in.
        claims["phone_number_verified"] = True
    if Scope.ID_CARD in scopes and person.id_number_ciphertext:
        claims[ID_CARD_CLAIM] = protector.reveal(person.id_number_ciphertext, PERSON_ID_NUMBER)
    return claims
