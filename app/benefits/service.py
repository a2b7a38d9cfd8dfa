"""Proactive benefits (免申即享): who agreed to checks, the checks, and answering offers.

A person (or a member, for the enterprise they act for) agrees once that the record fields
the benefit rules need may be checked periodically — a consent like any other, through
``RecordsService``, so every check's read is in their data-access log. The periodic job
checks every subject with an active consent against the benefits not yet offered to it; an
offer is made once per benefit and subject (a unique key), so running the job twice offers
nothing twice. Reads happen only when some benefit could still be offered (minimum necessary).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from uuid import UUID

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.benefits.models import BenefitOffer, OfferStatus
from app.benefits.rules import Benefit
from app.enterprises.models import Enterprise
from app.i18n import N_
from app.identity.models import Person
from app.protection import ProtectionError
from app.records.exchange import RecordValue
from app.records.models import RecordConsent
from app.records.service import FieldRequest, Purpose, RecordsService
from app.records.sources import SOURCES, SubjectKind

log = structlog.get_logger(__name__)

PURPOSE_KIND = "proactive-benefits"
PURPOSE_LABEL = "免申即享资格检查"
NOTE_MAX = 500
ALREADY_ANSWERED = N_("This offer has already been answered.")
DISPUTE_NOTE = N_("Say what is wrong with the record (at most 500 characters).")
UNKNOWN_DECISION = N_("Choose accept, decline or dispute.")
ALREADY_DISPUTED = N_("Your objection to this offer was already answered: accept or decline it.")
# What a person may answer an open offer with.
_ANSWERS = (OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.DISPUTED)


class BenefitService:
    """Consents to checks, the checks themselves, and offers with their answers."""

    def __init__(
        self, db: AsyncSession, *, records: RecordsService, benefits: Mapping[str, Benefit]
    ) -> None:
        self._db = db
        self._records = records
        self._benefits = benefits

    async def checks_enabled(self, person: Person, *, enterprise: Enterprise | None) -> bool:
        """Whether the person agreed to checks (for the enterprise, when one is given)."""
        return await self._records.consent_for(person, _purpose(enterprise)) is not None

    async def enable_checks(self, person: Person, *, enterprise: Enterprise | None) -> None:
        """Agree that the fields the rules need are checked periodically."""
        await self._records.grant_consent(
            person, _purpose(enterprise), self._requests(_kind(enterprise)), enterprise=enterprise
        )

    async def disable_checks(self, person: Person, *, enterprise: Enterprise | None) -> None:
        """Withdraw that consent: no more checks (offers already made stay)."""
        await self._records.withdraw_consent(person, _purpose(enterprise))

    async def offers(self, person: Person, *, enterprise: Enterprise | None) -> list[BenefitOffer]:
        """The subject's offers, newest first."""
        rows = await self._db.scalars(
            select(BenefitOffer)
            .where(BenefitOffer.subject == _subject(person, enterprise))
            .order_by(BenefitOffer.offered_at.desc())
        )
        return list(rows)

    async def answer(
        self,
        person: Person,
        offer_id: UUID,
        decision: str,
        note: str = "",
        *,
        enterprise: Enterprise | None,
    ) -> BenefitOffer:
        """Accept, decline or dispute (with a note) an open offer of the subject, once."""
        offer = await self._db.get(BenefitOffer, offer_id)
        if offer is None or offer.subject != _subject(person, enterprise):
            raise errors.NotFound
        chosen = {s.value: s for s in _ANSWERS}.get(decision)
        if chosen is None:
            raise errors.RuleViolation(fields={"decision": UNKNOWN_DECISION})
        if offer.status != OfferStatus.OFFERED:
            raise errors.Conflict(ALREADY_ANSWERED)
        if chosen is OfferStatus.DISPUTED and offer.dispute_outcome is not None:
            # Staff already answered an objection to this offer: accept or decline it now.
            raise errors.Conflict(ALREADY_DISPUTED)
        clean = note.strip()
        if chosen is OfferStatus.DISPUTED and not 0 < len(clean) <= NOTE_MAX:
            raise errors.RuleViolation(fields={"note": DISPUTE_NOTE})
        offer.status = chosen
        offer.answered_at = datetime.now(UTC)
        if chosen is OfferStatus.DISPUTED:
            offer.dispute_note = clean
        await self._db.flush()
        return offer

    async def check_everyone(self, *, today: date) -> int:
        """The periodic job's work: check every consenting subject; returns offers made."""
        consents = (
            await self._db.scalars(
                select(RecordConsent).where(
                    RecordConsent.purpose_kind == PURPOSE_KIND,
                    RecordConsent.withdrawn_at.is_(None),
                )
            )
        ).all()
        made = 0
        for consent in consents:
            person = await self._db.get(Person, consent.person_id)
            enterprise = (
                await self._db.get(Enterprise, consent.enterprise_id)
                if consent.enterprise_id
                else None
            )
            if person is None or not person.is_active:
                continue
            try:
                made += await self.check(person, enterprise=enterprise, today=today)
            except (errors.Unavailable, ProtectionError) as exc:
                # One subject that cannot be checked now must not stop everyone else's check.
                log.warning(
                    "benefit check skipped", person_id=str(person.id), reason=type(exc).__name__
                )
        return made

    async def check(self, person: Person, *, enterprise: Enterprise | None, today: date) -> int:
        """Check one subject against the benefits not yet offered to it; returns offers made."""
        subject = _subject(person, enterprise)
        offered = set(
            (
                await self._db.scalars(
                    select(BenefitOffer.benefit_code).where(BenefitOffer.subject == subject)
                )
            ).all()
        )
        kind = _kind(enterprise)
        due = [b for b in self._benefits.values() if b.subject is kind and b.code not in offered]
        if not due:
            return 0
        requests = list(dict.fromkeys(r for b in due for r in b.requests()))
        try:
            read = await self._records.read_outcomes(
                person, _purpose(enterprise), requests, enterprise=enterprise
            )
        except (errors.Forbidden, errors.RuleViolation):
            return 0  # the consent no longer covers the rules, or the membership ended
        made = 0
        for benefit in due:
            values = [read.values.get((c.source, c.field)) for c in benefit.conditions]
            if all(c.holds(v, today) for c, v in zip(benefit.conditions, values, strict=True)):
                found = [v for v in values if v is not None]
                made += await self._offer(benefit, person, enterprise, subject, found)
        return made

    async def _offer(
        self,
        benefit: Benefit,
        person: Person,
        enterprise: Enterprise | None,
        subject: str,
        values: list[RecordValue],
    ) -> int:
        offer = BenefitOffer(
            benefit_code=benefit.code,
            subject=subject,
            person_id=person.id,
            enterprise_id=enterprise.id if enterprise else None,
            department_code=benefit.department,
            reasons=[
                {
                    "source": v.source,
                    "field": v.field,
                    "department": SOURCES[v.source].department,
                    "as_of": v.as_of.isoformat(),
                }
                for v in values
            ],
            record_date=max(v.as_of for v in values),
            offered_at=datetime.now(UTC),
        )
        try:
            async with self._db.begin_nested():
                self._db.add(offer)
        except IntegrityError:  # another run offered it meanwhile
            return 0
        return 1

    def _requests(self, kind: SubjectKind) -> list[FieldRequest]:
        wanted = [r for b in self._benefits.values() if b.subject is kind for r in b.requests()]
        return list(dict.fromkeys(wanted))


def _kind(enterprise: Enterprise | None) -> SubjectKind:
    return SubjectKind.ENTERPRISE if enterprise else SubjectKind.PERSON


def _subject(person: Person, enterprise: Enterprise | None) -> str:
    return f"enterprise:{enterprise.id}" if enterprise else f"person:{person.id}"


def _purpose(enterprise: Enterprise | None) -> Purpose:
    ref = str(enterprise.id) if enterprise else "self"
    return Purpose(kind=PURPOSE_KIND, ref=ref, label=PURPOSE_LABEL)
