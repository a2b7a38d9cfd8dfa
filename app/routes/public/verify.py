"""Public wallet endpoints: the license keys, the verifier page a QR opens, the JSON verifier.

Nobody signs in here: a phone camera opens ``/v/{token}``, and other systems post to
``/verify``. Only what the holder chose to disclose is ever shown.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath
from litestar.response import Response, Template

from app import errors
from app.i18n import N_
from app.i18n import gettext as _
from app.wallet.fields import label_of
from app.wallet.models import Verdict
from app.wallet.presentation import MAX_TOKEN_LENGTH
from app.wallet.service import WalletService
from app.wallet.verifier import Verification, VerifierService
from app.wallet.views import VERDICT_LABELS, issuer_name, title_of, validity_text
from app.web.access import Access
from app.web.problems import problem_responses
from app.web.providers.wallet import provide_verifier, provide_wallet

TOKEN_REQUIRED = N_('Send the card\'s code as {"token": "…"} (text, at most 1200 characters).')

_PUBLIC = {"access": Access.PUBLIC}

_DEPENDENCIES = {
    "verifier": Provide(provide_verifier, sync_to_thread=False),
    "wallet": Provide(provide_wallet, sync_to_thread=False),
}


class VerifyRequest(msgspec.Struct, kw_only=True):
    """A card's token, as the QR's link carries it after ``/v/``."""

    token: str


class DisclosedField(msgspec.Struct, kw_only=True, rename="camel"):
    """One disclosed field with its label in the request's language."""

    field: str
    label: str
    value: str


class VerifyResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """The verdict; type, issuer, validity and fields only when the signature holds."""

    result: Verdict
    message: str
    license_type: str | None = None
    license_type_name: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    valid_until: date | None = None
    card_expires_at: int | None = None
    disclosed: list[DisclosedField] = msgspec.field(default_factory=list)


@get(
    "/.well-known/jwks.json",
    opt=_PUBLIC,
    dependencies=_DEPENDENCIES,
    name="wallet-jwks",
    # RFC 7517 names the type; the document said application/json until the fuzzer compared.
    media_type="application/jwk-set+json",
)
async def license_jwks(wallet: NamedDependency[WalletService]) -> Response[dict[str, Any]]:
    """The departments' license-signing keys, current and retired (not the OIDC keys)."""
    return Response(
        await wallet.keys.public_jwks(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@get("/v/{token:str}", opt=_PUBLIC, dependencies=_DEPENDENCIES, include_in_schema=False)
async def verify_page(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    verifier: NamedDependency[VerifierService],
    wallet: NamedDependency[WalletService],
) -> Template:
    """What a phone camera opens: the verdict in large words, and the disclosed fields."""
    found = await verifier.verify(token[: MAX_TOKEN_LENGTH + 1], user_agent=_agent(request))
    answer = await _answer(found, wallet)
    return Template(
        template_name="wallet/verify.html",
        context={"answer": answer, "validity": validity_text(answer.valid_until)},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


# The body is read leniently (a missing or malformed token is the verifier's own 422 problem,
# not a framework 400), but documented as what callers send, so clients and the fuzzer know it.
_VERIFY_BODY = {
    "type": "object",
    "properties": {"token": {"type": "string", "minLength": 1, "maxLength": MAX_TOKEN_LENGTH}},
    "required": ["token"],
}


@post(
    "/verify", opt=_PUBLIC, dependencies=_DEPENDENCIES, status_code=200, name="verify",
    responses=problem_responses(400, 413, 415, 422, 429),
)  # fmt: skip
async def verify_json(
    request: Request[Any, Any, Any],
    data: Annotated[dict[str, Any], Body(schema_extra=_VERIFY_BODY)],
    verifier: NamedDependency[VerifierService],
    wallet: NamedDependency[WalletService],
) -> Response[VerifyResponse]:
    """``{"token"}`` -> the verdict; a missing or malformed token is a 422 problem."""
    token = data.get("token")
    if not isinstance(token, str) or not token.strip() or len(token) > MAX_TOKEN_LENGTH:
        raise errors.RuleViolation(fields={"token": TOKEN_REQUIRED})
    found = await verifier.verify(token, user_agent=_agent(request))
    answer = await _answer(found, wallet)
    return Response(answer, headers={"Cache-Control": "no-store"})


def _agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")[:500]


async def _answer(found: Verification, wallet: WalletService) -> VerifyResponse:
    types = wallet.license_types
    departments = await wallet.departments() if found.issuer else {}
    return VerifyResponse(
        result=found.result,
        message=_(VERDICT_LABELS[found.result]),
        license_type=found.license_type,
        license_type_name=title_of(found.license_type, types) if found.license_type else None,
        issuer=found.issuer,
        issuer_name=issuer_name(found.issuer, departments) if found.issuer else None,
        valid_until=found.valid_until,
        card_expires_at=found.card_expires_at,
        disclosed=[
            DisclosedField(field=key, label=_(label_of(key)), value=value)
            for key, value in found.disclosed.items()
        ],
    )
