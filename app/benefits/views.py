"""免申即享 offers as people see them (why, from which record): pages and the mini-program API."""

from __future__ import annotations

from typing import Any

from app.benefits.models import BenefitOffer, OfferStatus
from app.benefits.rules import default_benefits
from app.catalog.loader import department_names
from app.i18n import N_
from app.i18n import gettext as _
from app.records.sources import SOURCES

# "Accepted" alone reads as 已受理 (an application taken in) in Chinese: the offer's own words.
_STATUS_LABELS = {
    OfferStatus.OFFERED: N_("Waiting for your answer"),
    OfferStatus.ACCEPTED: N_("You accepted this benefit"),
    OfferStatus.DECLINED: N_("Declined"),
    OfferStatus.DISPUTED: N_("Disputed: waiting for the department's answer"),
    OfferStatus.WITHDRAWN: N_("Withdrawn"),
}


def offer_status_label(status: str) -> str:
    """An offer's status in words, the same on the pages and in the mini-program API."""
    try:
        return _(_STATUS_LABELS[OfferStatus(status)])
    except ValueError:
        return status


class OfferView:
    """An offer as the page shows it: the benefit's name and the records that made it."""

    def __init__(self, offer: BenefitOffer, locale: str) -> None:
        benefit = default_benefits().get(offer.benefit_code)
        departments = department_names()
        self.id = offer.id
        self.status = offer.status
        self.dispute_note = offer.dispute_note
        self.dispute_outcome = offer.dispute_outcome
        self.dispute_answer = offer.dispute_answer
        self.dispute_answered_at = offer.dispute_answered_at
        self.title = benefit.name(locale) if benefit else offer.benefit_code
        self.department = _department(departments, offer.department_code, locale)
        self.reasons = []
        for reason in offer.reasons:
            source = SOURCES.get(reason["source"])
            field = source.field(reason["field"]) if source else None
            self.reasons.append(
                {
                    "record": source.label(locale) if source else reason["source"],
                    "field": field.label(locale) if field else reason["field"],
                    "department": _department(departments, reason["department"], locale),
                    "as_of": reason["as_of"],
                }
            )


def _department(departments: dict[str, Any], code: str, locale: str) -> str:
    found = departments.get(code)
    return found(locale) if found else code
