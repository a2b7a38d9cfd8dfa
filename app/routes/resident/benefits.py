"""免申即享 (/me/benefits): agree to checks, see offers and why, answer each in one step."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.benefits.service import BenefitService
from app.benefits.views import OfferView
from app.enterprises.models import Enterprise
from app.i18n import current_locale
from app.identity.models import Person
from app.routes.shared.pages import FormBody
from app.web.access import Access
from app.web.providers.spaces import provide_benefits
from app.web.subjects import acting_enterprise


class AnswerForm(msgspec.Struct, kw_only=True):
    """accept | decline | dispute, and for a dispute what is wrong."""

    decision: str = ""
    note: str = ""


async def _enterprise(request: Request[Any, Any, Any], db: AsyncSession) -> Enterprise | None:
    acting = await acting_enterprise(request)
    return await db.get(Enterprise, acting.id) if acting else None


class BenefitController(Controller):
    """``/me/benefits``: the checks' consent and the offers of whoever one acts as."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = {"benefits": Provide(provide_benefits, sync_to_thread=False)}  # noqa: RUF012

    @get("/me/benefits", name="benefits")
    async def page(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        benefits: NamedDependency[BenefitService],
        db_session: NamedDependency[AsyncSession],
    ) -> Template:
        """Whether checks are on, and every offer with its reasons."""
        return await _page(request, person, benefits, db_session)

    @post("/me/benefits/checks", status_code=303)
    async def enable(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        benefits: NamedDependency[BenefitService],
        db_session: NamedDependency[AsyncSession],
    ) -> Redirect | Template:
        """Agree to the periodic checks."""
        enterprise = await _enterprise(request, db_session)
        try:
            await benefits.enable_checks(person, enterprise=enterprise)
        except errors.RuleViolation as exc:
            return await _page(request, person, benefits, db_session, 422, message=exc.message)
        return Redirect("/me/benefits", status_code=303)

    @post("/me/benefits/checks/withdraw", status_code=303)
    async def disable(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        benefits: NamedDependency[BenefitService],
        db_session: NamedDependency[AsyncSession],
    ) -> Redirect:
        """Withdraw the consent to checks."""
        enterprise = await _enterprise(request, db_session)
        await benefits.disable_checks(person, enterprise=enterprise)
        return Redirect("/me/benefits", status_code=303)

    @post("/me/benefits/{offer_id:uuid}", status_code=303)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        offer_id: FromPath[UUID],
        data: Annotated[AnswerForm, FormBody],
        benefits: NamedDependency[BenefitService],
        db_session: NamedDependency[AsyncSession],
    ) -> Redirect | Template:
        """Accept, decline or dispute one offer (another subject's offer answers 404)."""
        enterprise = await _enterprise(request, db_session)
        try:
            await benefits.answer(person, offer_id, data.decision, data.note, enterprise=enterprise)
        except errors.RuleViolation as exc:
            return await _page(
                request, person, benefits, db_session, 422, message=exc.message, errors=exc.fields
            )
        except errors.Conflict as exc:
            return await _page(request, person, benefits, db_session, 409, message=exc.message)
        return Redirect("/me/benefits", status_code=303)


async def _page(
    request: Request[Any, Any, Any],
    person: Person,
    benefits: BenefitService,
    db: AsyncSession,
    status: int = 200,
    **context: Any,
) -> Template:
    enterprise = await _enterprise(request, db)
    locale = current_locale()
    offers = await benefits.offers(person, enterprise=enterprise)
    return Template(
        template_name="benefits/offers.html",
        context={
            "tab": "me",
            "enabled": await benefits.checks_enabled(person, enterprise=enterprise),
            "offers": [OfferView(offer, locale) for offer in offers],
            "enterprise": enterprise,
            "message": None,
            "errors": {},
            **context,
        },
        status_code=status,
    )
