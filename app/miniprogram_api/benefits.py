"""``/mp/v1/benefits``: 免申即享 in the mini-program, as the page ``/me/benefits`` offers it.

The same service (``app/benefits/service.py``): agreeing to the periodic checks is a consent
to read the record fields the benefit rules need (each read is in my data-use record);
withdrawing it stops the checks and keeps the offers made. An offer is answered once:
``accepted``, ``declined`` or ``disputed`` with a note saying what is wrong with the record
(once staff answered an objection, only accept or decline remain). Always for the person
themselves: the enterprise's benefits are on the web's enterprise space.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath

from app.benefits.models import BenefitOffer
from app.benefits.service import NOTE_MAX, BenefitService
from app.benefits.views import OfferView, offer_status_label
from app.i18n import current_locale
from app.web.access import Access
from app.web.providers.spaces import provide_benefits
from app.web.subjects import required_bearer


class OfferReason(msgspec.Struct, kw_only=True, rename="camel"):
    """Why: a record (its field) from a department, as of a day, met the benefit's rule."""

    record: str
    field: str
    department: str
    as_of: str


class OfferBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A benefit offered to me, why, and how it was answered.

    ``status``: ``offered`` (answer it), ``accepted``, ``declined``, ``disputed`` (waiting
    for the department) or ``withdrawn`` (the objection was upheld). ``disputeOutcome``
    (``upheld`` | ``rejected``) and ``disputeAnswer`` are the department's answer.
    """

    id: UUID
    benefit_code: str
    title: str
    department: str
    status: str
    status_label: str
    reasons: list[OfferReason]
    offered_at: datetime
    answered_at: datetime | None
    dispute_note: str | None
    dispute_outcome: str | None
    dispute_answer: str | None
    dispute_answered_at: datetime | None


class Benefits(msgspec.Struct, kw_only=True, rename="camel"):
    """Whether my records are checked, and my offers, the newest first."""

    checks_enabled: bool
    offers: list[OfferBody]


class OfferAnswer(msgspec.Struct, kw_only=True, rename="camel"):
    """``accepted``, ``declined`` or ``disputed``; a dispute says in ``note`` what is wrong
    with the record (1 to 500 characters)."""

    decision: Annotated[str, msgspec.Meta(max_length=32)]
    note: Annotated[str, msgspec.Meta(max_length=4 * NOTE_MAX)] = ""


def _offer(offer: BenefitOffer, locale: str) -> OfferBody:
    view = OfferView(offer, locale)
    return OfferBody(
        id=offer.id, benefit_code=offer.benefit_code, title=view.title,
        department=view.department, status=str(offer.status),
        status_label=offer_status_label(offer.status),
        reasons=[OfferReason(record=r["record"], field=r["field"], department=r["department"],
                             as_of=str(r["as_of"])) for r in view.reasons],
        offered_at=offer.offered_at, answered_at=offer.answered_at,
        dispute_note=offer.dispute_note,
        dispute_outcome=str(offer.dispute_outcome) if offer.dispute_outcome else None,
        dispute_answer=offer.dispute_answer, dispute_answered_at=offer.dispute_answered_at,
    )  # fmt: skip


async def _benefits(request: Request[Any, Any, Any], benefits: BenefitService) -> Benefits:
    person = await required_bearer(request)
    locale = current_locale()
    return Benefits(
        checks_enabled=await benefits.checks_enabled(person, enterprise=None),
        offers=[_offer(o, locale) for o in await benefits.offers(person, enterprise=None)],
    )


class BenefitApi(Controller):
    """免申即享 through the mini-program."""

    path = "/benefits"
    tags = ["mini-program: benefits"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"benefits": Provide(provide_benefits, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def mine(
        self, request: Request[Any, Any, Any], benefits: NamedDependency[BenefitService]
    ) -> Benefits:
        """Whether my records are checked, and every offer with its reasons."""
        return await _benefits(request, benefits)

    @post("/checks", status_code=200)
    async def agree(
        self, request: Request[Any, Any, Any], benefits: NamedDependency[BenefitService]
    ) -> Benefits:
        """Agree that the records the benefit rules need are checked regularly (422 with the
        page's message when a rule refuses, such as before real-name verification)."""
        await benefits.enable_checks(await required_bearer(request), enterprise=None)
        return await _benefits(request, benefits)

    @post("/checks/withdraw", status_code=200)
    async def withdraw(
        self, request: Request[Any, Any, Any], benefits: NamedDependency[BenefitService]
    ) -> Benefits:
        """Withdraw the consent to checks: no more checks; offers already made stay."""
        await benefits.disable_checks(await required_bearer(request), enterprise=None)
        return await _benefits(request, benefits)

    @post("/offers/{offer_id:uuid}/answer", status_code=200)
    async def answer(
        self, request: Request[Any, Any, Any], offer_id: FromPath[UUID],
        data: Annotated[OfferAnswer, Body()], benefits: NamedDependency[BenefitService],
    ) -> OfferBody:  # fmt: skip
        """Accept, decline or dispute one of my offers, once (someone else's: 404; answered
        already: 409; an unknown decision or a dispute without a note: 422)."""
        offer = await benefits.answer(
            await required_bearer(request), offer_id, data.decision, data.note, enterprise=None
        )
        return _offer(offer, current_locale())
