"""Passkeys (WebAuthn): adding, listing and removing them, and signing in with one.

Passkeys are discoverable credentials that require user verification (the device's screen
lock), so a passkey alone is a phishing-resistant sign-in: the browser binds every answer
to our origin, and the authenticator to our relying-party id. py_webauthn checks the
cryptography; the rules here decide what is stored, who may use it and what is recorded.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import NoReturn
from uuid import UUID

import msgspec
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialCreationOptions,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRequestOptions,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.errors import NotFound, RuleViolation
from app.i18n import N_, gettext
from app.identity.limits import RateLimiter
from app.identity.models import PERSON_PHONE, Person, SecurityEvent, SecurityEventKind
from app.identity.passkey_ceremonies import (
    CeremonyOptions,
    CeremonyStore,
    PasskeyAssertion,
    PasskeyRegistration,
    PendingCeremony,
    Purpose,
    RelyingParty,
    credential_id_of,
    transports_of,
    user_handle_of,
)
from app.identity.passkey_models import NAME_LENGTH, Passkey
from app.identity.sign_in import SecurityLog
from app.privacy import mask_phone
from app.protection import DataProtector

log = structlog.get_logger(__name__)

MAX_PASSKEYS = 10
_TIMEOUT_MS = 300_000  # the browser's prompt lasts as long as the challenge does
_EXPIRED = N_("This passkey request has expired or was already used. Please try again.")
_NOT_VERIFIED = N_("The passkey could not be checked. Please try again.")
# py_webauthn reports most bad input as WebAuthnException, but a few malformed fields
# (a bad base64 userHandle, clientDataJSON that is not UTF-8) surface as builtin errors.
_MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError)
_SIGN_IN_FAILED = N_("Signing in with this passkey did not work. Try again, or use a code.")


class PasskeySummary(msgspec.Struct, kw_only=True):
    """A passkey as listed on the person's passkeys page (times as epoch seconds)."""

    id: UUID
    name: str
    created_at: float
    last_used_at: float | None


def _summary(passkey: Passkey) -> PasskeySummary:
    return PasskeySummary(
        id=passkey.id,
        name=passkey.name,
        created_at=passkey.created_at.timestamp(),
        last_used_at=passkey.last_used_at.timestamp() if passkey.last_used_at else None,
    )


def _options(
    ceremony: str, options: PublicKeyCredentialCreationOptions | PublicKeyCredentialRequestOptions
) -> CeremonyOptions:
    return CeremonyOptions(
        ceremony=ceremony, public_key=msgspec.json.decode(options_to_json(options))
    )


_OPTIONS_PER_ADDRESS = 60  # per 10 minutes: generous for people, tight for a script


class PasskeyService:
    """One person's passkeys, and sign-in with any registered passkey."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        ceremonies: CeremonyStore,
        protector: DataProtector,
        security_log: SecurityLog,
        limiter: RateLimiter,
    ) -> None:
        self._db = db
        self._limiter = limiter
        self._ceremonies = ceremonies
        self._protector = protector
        self._log = security_log

    async def list_for(self, person: Person) -> list[PasskeySummary]:
        """The person's passkeys, oldest first."""
        return [_summary(passkey) for passkey in await self._passkeys_of(person.id)]

    async def start_registration(self, person: Person, party: RelyingParty) -> CeremonyOptions:
        """Options for ``navigator.credentials.create()``; the challenge is bound to ``person``."""
        existing = await self._passkeys_of(person.id)
        if len(existing) >= MAX_PASSKEYS:
            raise RuleViolation(N_("You already have 10 passkeys. Remove one to add another."))
        # One random handle per person, shared by their passkeys: an authenticator then keeps
        # one entry for the account. Never the database id or the phone number.
        handle = base64url_to_bytes(existing[0].user_handle) if existing else _new_user_handle()
        # The authenticator shows this name in its account picker: masked, like on our pages.
        label = mask_phone(self._protector.reveal(person.phone_ciphertext, PERSON_PHONE))
        options = generate_registration_options(
            rp_id=party.id,
            rp_name=gettext("OneThing"),
            user_id=handle,
            user_name=label,
            user_display_name=label,
            timeout=_TIMEOUT_MS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            # The same authenticator twice would only add a confusing duplicate.
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
                for p in existing
            ],
        )
        ceremony = await self._ceremonies.begin(
            PendingCeremony(
                purpose=Purpose.REGISTER,
                challenge=options.challenge,
                person_id=person.id,
                user_handle=handle,
            )
        )
        return _options(ceremony, options)

    async def finish_registration(
        self, person: Person, party: RelyingParty, data: PasskeyRegistration, *, client_ip: str
    ) -> PasskeySummary:
        """Verify the new credential and keep it under the name the person chose."""
        name = _valid_name(data.name)
        pending = await self._ceremonies.take(data.ceremony, Purpose.REGISTER)
        if pending is None or pending.person_id != person.id:
            raise RuleViolation(_EXPIRED)
        try:
            verified = verify_registration_response(
                credential=data.credential,
                expected_challenge=pending.challenge,
                expected_rp_id=party.id,
                expected_origin=party.origin,
                require_user_verification=True,
            )
        except _MALFORMED as exc:
            log.info("passkey registration refused", reason=type(exc).__name__)
            raise RuleViolation(_NOT_VERIFIED) from exc
        credential_id = bytes_to_base64url(verified.credential_id)
        if await self._by_credential_id(credential_id) is not None:
            raise RuleViolation(N_("This passkey is already registered."))
        passkey = Passkey(
            person_id=person.id,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=",".join(transports_of(data.credential)),
            user_handle=bytes_to_base64url(pending.user_handle),
            name=name,
        )
        self._db.add(passkey)
        await self._db.flush()
        self._event(SecurityEventKind.PASSKEY_ADDED, person, client_ip, str(passkey.id))
        return _summary(passkey)

    async def remove(self, person: Person, passkey_id: UUID, *, client_ip: str) -> None:
        """Remove one of the person's passkeys; another person's (or none) is NotFound."""
        passkey = await self._db.scalar(
            select(Passkey).where(Passkey.id == passkey_id, Passkey.person_id == person.id)
        )
        if passkey is None:
            raise NotFound
        await self._db.delete(passkey)
        self._event(SecurityEventKind.PASSKEY_REMOVED, person, client_ip, str(passkey_id))

    async def start_sign_in(self, party: RelyingParty, *, client_ip: str) -> CeremonyOptions:
        """Options for ``navigator.credentials.get()``: any discoverable passkey of this site.

        Anyone may ask, and each answer keeps a challenge in Redis for 5 minutes: limited
        per address so that asking cannot fill Redis.
        """
        await self._limiter.hit(
            f"passkey-options:{client_ip}", limit=_OPTIONS_PER_ADDRESS, window_seconds=600
        )
        options = generate_authentication_options(
            rp_id=party.id,
            timeout=_TIMEOUT_MS,
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        ceremony = await self._ceremonies.begin(
            PendingCeremony(purpose=Purpose.SIGN_IN, challenge=options.challenge)
        )
        return _options(ceremony, options)

    async def sign_in(
        self, party: RelyingParty, data: PasskeyAssertion, *, client_ip: str
    ) -> Person:
        """The person whose passkey signed this challenge; every refusal is recorded."""
        pending = await self._ceremonies.take(data.ceremony, Purpose.SIGN_IN)
        if pending is None:
            await self._refuse(client_ip, "unknown, expired or used challenge", message=_EXPIRED)
        passkey = await self._by_credential_id(credential_id_of(data.credential))
        if passkey is None:
            await self._refuse(client_ip, "unknown credential")
        try:
            verified = verify_authentication_response(
                credential=data.credential,
                expected_challenge=pending.challenge,
                expected_rp_id=party.id,
                expected_origin=party.origin,
                credential_public_key=passkey.public_key,
                # The counter is checked below, after the signature, so that a refusal for a
                # counter that went backwards is recorded as what it is.
                credential_current_sign_count=0,
                require_user_verification=True,
            )
        except _MALFORMED as exc:
            await self._refuse(client_ip, f"not verified: {type(exc).__name__}", passkey)
        if user_handle_of(data.credential) != passkey.user_handle:
            await self._refuse(client_ip, "user handle does not match", passkey)
        new_count = verified.new_sign_count
        if (new_count or passkey.sign_count) and new_count <= passkey.sign_count:
            # A counter that does not move forward hints at a cloned authenticator.
            await self._refuse(client_ip, "sign count did not increase", passkey)
        person = await self._db.get(Person, passkey.person_id)
        if person is None or not person.is_active:
            await self._refuse(
                client_ip,
                "disabled",
                passkey,
                message=N_("This account has been disabled. Please contact the service desk."),
            )
        passkey.sign_count = new_count
        passkey.last_used_at = datetime.now(UTC)
        self._event(SecurityEventKind.PASSKEY_SIGN_IN, person, client_ip, str(passkey.id))
        return person

    async def _refuse(
        self,
        client_ip: str,
        detail: str,
        passkey: Passkey | None = None,
        *,
        message: str = _SIGN_IN_FAILED,
    ) -> NoReturn:
        # Recorded on its own transaction: the request's is rolled back with the refusal.
        await self._log.record(
            SecurityEventKind.PASSKEY_SIGN_IN_FAILED,
            person_id=passkey.person_id if passkey else None,
            client_ip=client_ip,
            detail=f"{passkey.id}: {detail}" if passkey else detail,
        )
        raise RuleViolation(message)

    def _event(self, kind: SecurityEventKind, person: Person, client_ip: str, detail: str) -> None:
        self._db.add(
            SecurityEvent(
                kind=kind,
                person_id=person.id,
                phone_index=person.phone_index,
                client_ip=client_ip,
                detail=detail,
            )
        )

    async def _passkeys_of(self, person_id: UUID) -> list[Passkey]:
        rows = await self._db.scalars(
            select(Passkey)
            .where(Passkey.person_id == person_id)
            .order_by(Passkey.created_at, Passkey.id)
        )
        return list(rows)

    async def _by_credential_id(self, credential_id: str) -> Passkey | None:
        if not credential_id:
            return None
        return await self._db.scalar(select(Passkey).where(Passkey.credential_id == credential_id))


def _new_user_handle() -> bytes:
    return secrets.token_bytes(32)


def _valid_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise RuleViolation(fields={"name": N_("Give the passkey a name, such as “My phone”.")})
    if len(name) > NAME_LENGTH:
        raise RuleViolation(fields={"name": N_("Use at most 60 characters for the name.")})
    return name
