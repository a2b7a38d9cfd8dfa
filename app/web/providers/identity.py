"""Dependency providers of the identity services, shared by the page and API channels."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.composition.runtime import Runtime
from app.enterprises.acting import IdentitySwitcher
from app.enterprises.service import EnterpriseService
from app.identity.account import AccountService
from app.identity.mini_program import MiniProgramAuth
from app.identity.passkey_ceremonies import RelyingParty
from app.identity.passkeys import PasskeyService
from app.identity.real_name import RealNameService
from app.identity.sign_in import SecurityLog, SignInService


def provide_sign_in(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> SignInService:
    """The SMS sign-in service on the request's database session."""
    return SignInService(
        db_session,
        codes=runtime.codes,
        sms=runtime.sms,
        protector=runtime.protector,
        security_log=SecurityLog(runtime.sessionmaker),
    )


def provide_mini_program_auth(
    db_session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
    sign_in: NamedDependency[SignInService],
) -> MiniProgramAuth:
    """The mini-program sign-in service on the request's database session."""
    return MiniProgramAuth(
        db_session,
        sign_in=sign_in,
        tokens=runtime.tokens,
        redis=runtime.redis,
        wechat=runtime.wechat,
        alipay=runtime.alipay,
    )


def provide_account(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> AccountService:
    """The person's own account service on the request's database session."""
    return AccountService(
        db_session,
        redis=runtime.redis,
        codes=runtime.codes,
        sms=runtime.sms,
        protector=runtime.protector,
        security_log=SecurityLog(runtime.sessionmaker),
    )


def provide_enterprises(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> EnterpriseService:
    """The enterprise and membership service on the request's database session."""
    return EnterpriseService(db_session, protector=runtime.protector)


def provide_switcher(
    db_session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
    enterprises: NamedDependency[EnterpriseService],
) -> IdentitySwitcher:
    """The identity switcher on the request's database session."""
    return IdentitySwitcher(db_session, store=runtime.acting, enterprises=enterprises)


def provide_passkeys(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> PasskeyService:
    """The passkey service on the request's database session."""
    return PasskeyService(
        db_session,
        ceremonies=runtime.passkey_ceremonies,
        limiter=runtime.limiter,
        protector=runtime.protector,
        security_log=SecurityLog(runtime.sessionmaker),
    )


def provide_relying_party(
    request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
) -> RelyingParty:
    """The configured origin's relying party, or (unconfigured) the one this request came to."""
    origin = runtime.settings.passkey_origin or f"{request.url.scheme}://{request.url.netloc}"
    return RelyingParty.from_origin(origin)


def provide_real_name(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> RealNameService:
    """The real-name verification service on the request's database session."""
    return RealNameService(
        db_session,
        limiter=runtime.limiter,
        records=runtime.population,
        protector=runtime.protector,
        security_log=SecurityLog(runtime.sessionmaker),
    )
