"""Staff answer objections to benefit offers (``/staff/benefit-disputes``, 免申即享异议处理).

Reviewers see their department's disputed offers and supervisors every one; for anyone
else, or another department's offer, the pages answer 404. Thin: each calls ``DisputeDesk``.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.benefits.disputes import DisputeDesk
from app.benefits.models import BenefitOffer
from app.benefits.views import OfferView
from app.i18n import current_locale
from app.routes.shared.pages import NO_STORE, FormBody
from app.staff.models import Staff
from app.web.access import Access

DISPUTES = "/staff/benefit-disputes"


class DisputeAnswerForm(msgspec.Struct, kw_only=True):
    """upheld | rejected, and the reasons the person will read."""

    outcome: str = ""
    reasons: str = ""


def provide_disputes(db_session: NamedDependency[AsyncSession]) -> DisputeDesk:
    """The dispute desk on the request's session."""
    return DisputeDesk(db_session)


def _page(name: str, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=f"staff/{name}.html",
        context={"errors": {}, "message": None, **context},
        status_code=status,
        headers=NO_STORE,
    )


def _view(offer: BenefitOffer) -> tuple[BenefitOffer, OfferView]:
    return offer, OfferView(offer, current_locale())


class BenefitDisputeController(Controller):
    """The queue of disputed offers, one offer, and the answer to its objection."""

    include_in_schema = False
    opt = {"access": Access.STAFF}  # noqa: RUF012 (the desk narrows it to reviewers, supervisors)
    dependencies = {"disputes": Provide(provide_disputes, sync_to_thread=False)}  # noqa: RUF012

    @get(DISPUTES)
    async def queue(
        self, staff: NamedDependency[Staff], disputes: NamedDependency[DisputeDesk]
    ) -> Template:
        """Disputed offers waiting for an answer, the oldest objection first."""
        offers = await disputes.queue(staff)
        return _page("benefit_disputes", rows=[_view(o) for o in offers])

    @get(f"{DISPUTES}/{{offer_id:uuid}}")
    async def offer(
        self, staff: NamedDependency[Staff], offer_id: FromPath[UUID],
        disputes: NamedDependency[DisputeDesk],
    ) -> Template:  # fmt: skip
        """One disputed offer: why it was made, the objection, and the answer form."""
        offer = await disputes.get(staff, offer_id)
        return _page("benefit_dispute", row=_view(offer))

    @post(f"{DISPUTES}/{{offer_id:uuid}}", status_code=303)
    async def answer(
        self, staff: NamedDependency[Staff], offer_id: FromPath[UUID],
        data: Annotated[DisputeAnswerForm, FormBody], disputes: NamedDependency[DisputeDesk],
    ) -> Redirect | Template:  # fmt: skip
        """Uphold or reject the objection with reasons; the person is told."""
        try:
            await disputes.answer(staff, offer_id, data.outcome, data.reasons)
        except errors.RuleViolation as exc:
            offer = await disputes.get(staff, offer_id)
            return _page("benefit_dispute", 422, row=_view(offer), errors=exc.fields,
                         message=exc.message)  # fmt: skip
        except errors.Conflict as exc:
            offer = await disputes.get(staff, offer_id)
            return _page("benefit_dispute", 409, row=_view(offer), message=exc.message)
        return Redirect(DISPUTES, status_code=303)
