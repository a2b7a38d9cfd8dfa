"""Staff's side of objections to benefit offers (免申即享异议处理).

A disputed offer waits for the department its benefit rule names: a reviewer of that
department sees it, and a supervisor sees every one; anyone else finds nothing (404). The
answer is one step with reasons: ``upheld`` (the person is right: the offer is withdrawn and
the department corrects its record) or ``rejected`` (the record stands: the offer is open
again for the person to accept or decline). Who answered and when is kept on the offer, and
the person is told by a notice written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.benefits.models import BenefitOffer, DisputeOutcome, OfferStatus
from app.i18n import N_
from app.identity.models import Department
from app.notices.outbox import write_for_subject
from app.notices.texts import NoticeKind
from app.staff.models import Staff, StaffRole

ANSWER_MAX = 500
ANSWER_REQUIRED = N_("Give the reasons for your answer (at most 500 characters).")
UNKNOWN_OUTCOME = N_("Choose whether the objection is upheld or rejected.")
ALREADY_ANSWERED = N_("This objection has already been answered.")


def answered_key(offer_id: UUID) -> str:
    """The subject key of the notice telling the person their objection was answered."""
    return f"benefit-offer:{offer_id}:answered"


class DisputeDesk:
    """Disputed offers as one member of staff may see and answer them."""

    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def queue(self, staff: Staff) -> Sequence[BenefitOffer]:
        """Offers waiting for an answer that ``staff`` may give, the oldest objection first."""
        rows = await self._db.scalars(
            select(BenefitOffer)
            .where(BenefitOffer.status == OfferStatus.DISPUTED, await self._visible(staff))
            .order_by(BenefitOffer.answered_at, BenefitOffer.id)
        )
        return rows.all()

    async def get(self, staff: Staff, offer_id: UUID, *, for_update: bool = False) -> BenefitOffer:
        """A disputed or answered offer ``staff`` may see; ``NotFound`` for any other."""
        query = select(BenefitOffer).where(
            BenefitOffer.id == offer_id,
            BenefitOffer.dispute_note.is_not(None),
            await self._visible(staff),
        )
        # Two members of staff answering at once: the second waits, then sees it answered.
        offer = await self._db.scalar(query.with_for_update() if for_update else query)
        if offer is None:
            raise errors.NotFound
        return offer

    async def answer(
        self, staff: Staff, offer_id: UUID, outcome: str, reasons: str
    ) -> BenefitOffer:
        """Uphold or reject the objection, with reasons, once; the person is told."""
        offer = await self.get(staff, offer_id, for_update=True)
        chosen = {o.value: o for o in DisputeOutcome}.get(outcome)
        if chosen is None:
            raise errors.RuleViolation(fields={"outcome": UNKNOWN_OUTCOME})
        if offer.status != OfferStatus.DISPUTED or offer.dispute_outcome is not None:
            raise errors.Conflict(ALREADY_ANSWERED)
        clean = reasons.strip()
        if not 0 < len(clean) <= ANSWER_MAX:
            raise errors.RuleViolation(fields={"reasons": ANSWER_REQUIRED})
        offer.dispute_outcome = chosen
        offer.dispute_answer = clean
        offer.dispute_answered_at = datetime.now(UTC)
        offer.dispute_answered_by_id = staff.id
        # Upheld: nothing is offered on a wrong record. Rejected: the person answers again.
        offer.status = (
            OfferStatus.WITHDRAWN if chosen is DisputeOutcome.UPHELD else OfferStatus.OFFERED
        )
        write_for_subject(
            self._db, NoticeKind.OFFER_DISPUTE_ANSWERED, subject_key=answered_key(offer.id),
            person_id=offer.person_id, params={"number": offer.benefit_code},
            enterprise_id=offer.enterprise_id, offer_id=offer.id,
        )  # fmt: skip
        await self._db.flush()
        return offer

    async def _visible(self, staff: Staff) -> ColumnElement[bool]:
        if staff.role == StaffRole.SUPERVISOR:
            return true()
        if staff.role == StaffRole.REVIEWER and staff.department_id is not None:
            department = await self._db.get(Department, staff.department_id)
            if department is not None:
                return BenefitOffer.department_code == department.code
        raise errors.NotFound
