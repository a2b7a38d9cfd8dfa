"""Mini-program sign-in: SMS code, WeChat or Alipay, then bearer tokens.

A WeChat or Alipay account signs a person in only once it is bound to them, and it is
bound only after the person proved who they are (an SMS code to their phone, today;
real-name checks later) — a provider's word about a phone number is not that proof.
Until then the mini-program gets a short-lived binding ticket, not tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

import msgspec
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.i18n import N_
from app.identity.models import ExternalAccount, Person, Provider
from app.identity.sign_in import SignInService
from app.identity.tokens import SessionExpired, TokenPair, TokenStore
from app.platforms.alipay import AlipayClient
from app.platforms.wechat import WeChatClient

BINDING_SECONDS = 600
_BINDING = "onething:mp:binding:"


class SignInStatus(StrEnum):
    """Whether the mini-program may go on, or must first bind the account."""

    SIGNED_IN = "signed_in"
    BINDING_REQUIRED = "binding_required"


class SignInResult(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The answer to every sign-in call."""

    status: SignInStatus
    tokens: TokenPair | None = None
    binding_ticket: str | None = None
    binding_expires_in: int | None = None


class _Binding(msgspec.Struct, kw_only=True):
    provider: Provider
    subject: str
    unionid: str | None = None


class ProviderNotConfigured(errors.NotFound):
    """This deployment has no WeChat (or Alipay) mini-program configured."""

    default_message = N_("This sign-in method is not available here.")


class MiniProgramAuth:
    """The rules of mini-program sign-in, on the request's database session."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        sign_in: SignInService,
        tokens: TokenStore,
        redis: Redis,
        wechat: WeChatClient | None,
        alipay: AlipayClient | None,
    ) -> None:
        self._db = db
        self._sign_in = sign_in
        self._tokens = tokens
        self._redis = redis
        self._wechat = wechat
        self._alipay = alipay

    async def with_sms(self, phone: str, code: str, *, client_ip: str) -> SignInResult:
        """Sign in with the code sent to the phone."""
        person = await self._sign_in.sign_in(phone, code, client_ip=client_ip)
        return await self._signed_in(person)

    async def with_wechat(self, js_code: str) -> SignInResult:
        """Sign in with the code from ``wx.login``."""
        if self._wechat is None:
            raise ProviderNotConfigured
        session = await self._wechat.code_to_session(js_code)
        return await self._external(Provider.WECHAT, session.openid, session.unionid)

    async def with_alipay(self, auth_code: str) -> SignInResult:
        """Sign in with the code from ``my.getAuthCode``."""
        if self._alipay is None:
            raise ProviderNotConfigured
        token = await self._alipay.oauth_token(auth_code)
        subject = token.user_id or token.open_id
        if not subject:
            raise errors.Unavailable
        return await self._external(Provider.ALIPAY, subject, None)

    async def bind(self, ticket: str, phone: str, code: str, *, client_ip: str) -> SignInResult:
        """Prove who you are with an SMS code, and bind the waiting account to you."""
        key = _BINDING + _digest(ticket)
        if await self._redis.get(key) is None:
            raise SessionExpired
        # The code first, so a mistyped code can be retried with the same ticket (tries are
        # bounded by the code's own limit); then the ticket is spent, exactly once.
        person = await self._sign_in.sign_in(phone, code, client_ip=client_ip)
        raw = await self._redis.getdel(key)
        if raw is None:
            raise SessionExpired
        binding = msgspec.msgpack.decode(raw, type=_Binding)
        existing = await self._account(binding.provider, binding.subject)
        if existing is not None and existing.person_id != person.id:
            raise errors.Conflict(N_("This account is already bound to someone else."))
        if existing is None:
            self._db.add(
                ExternalAccount(
                    provider=binding.provider,
                    subject=binding.subject,
                    unionid=binding.unionid,
                    person_id=person.id,
                )
            )
            await self._db.flush()
        return await self._signed_in(person)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair for a refresh token; a reused one revokes its family."""
        pair, person_id, epoch = await self._tokens.refresh(refresh_token)
        person = await self._db.get(Person, person_id)
        if person is None or not person.is_active or person.session_epoch != epoch:
            await self._tokens.sign_out(pair.refresh_token)
            raise SessionExpired
        return pair

    async def _external(
        self, provider: Provider, subject: str, unionid: str | None
    ) -> SignInResult:
        account = await self._account(provider, subject)
        if account is not None:
            person = await self._db.get(Person, account.person_id)
            if person is not None:
                return await self._signed_in(person)
        ticket = secrets.token_urlsafe(24)
        binding = _Binding(provider=provider, subject=subject, unionid=unionid)
        await self._redis.set(
            _BINDING + _digest(ticket), msgspec.msgpack.encode(binding), ex=BINDING_SECONDS
        )
        return SignInResult(
            status=SignInStatus.BINDING_REQUIRED,
            binding_ticket=ticket,
            binding_expires_in=BINDING_SECONDS,
        )

    async def _account(self, provider: Provider, subject: str) -> ExternalAccount | None:
        return await self._db.scalar(
            select(ExternalAccount).where(
                ExternalAccount.provider == provider, ExternalAccount.subject == subject
            )
        )

    async def _signed_in(self, person: Person) -> SignInResult:
        if not person.is_active:
            raise errors.Forbidden(
                N_("This account has been disabled. Please contact the service desk.")
            )
        tokens = await self._tokens.issue(person.id, epoch=person.session_epoch)
        return SignInResult(status=SignInStatus.SIGNED_IN, tokens=tokens)


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()
