"""办理结果: what an approved matter produces, issued in the approval's own transaction.

A matter whose result is an e-license (``Result.license_type``) issues it into the holder's
wallet: the enterprise's when the application was made for one, else the applicant's. The
license takes a small, fixed subset of the form (names, dates, places — never the ID or phone
numbers typed into the form: the minimum necessary). Issuing is idempotent on the sub-case id
(the wallet's ``source_ref``), so a retried approval never makes a second license.

Any other result is a document, recorded as delivered the way the applicant chose
(electronically at once, ready at the window, or handed to express mail), or the matter's
first way when it does not offer the applicant's choice.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import select

from app.applications.case_models import Application, CaseResult, ResultKind, SubCase
from app.applications.context import CaseContext
from app.applications.drafts import DraftValues
from app.catalog.schema import Catalog, Matter
from app.privacy import redact
from app.wallet.fields import MAX_VALUE_LENGTH
from app.wallet.service import Holder, WalletService

# License type -> {wallet field: form fields to take it from, the first that has a value}.
# Unknown types take the applicant's name only. ID and phone numbers are left out on purpose.
_FROM_FORM: dict[str, dict[str, tuple[str, ...]]] = {
    "birth-medical-certificate": {
        "name": ("child.name",), "sex": ("child.gender",), "birth_date": ("child.birth_date",),
        "birth_place": ("child.birth_place",), "mother_name": ("mother.name",),
        "father_name": ("father.name",),
    },
    "vaccination-certificate": {
        "name": ("child.name",), "sex": ("child.gender",), "birth_date": ("child.birth_date",),
    },
    "household-register": {
        "name": ("child.name", "applicant.name"), "sex": ("child.gender", "applicant.gender"),
        "birth_date": ("child.birth_date", "applicant.birth_date"),
        "ethnicity": ("child.ethnicity",), "address": ("applicant.household_address",),
    },
    "social-security-card": {
        "name": ("child.name", "applicant.name"), "bank": ("insurance.card_bank",),
    },
    "retirement-certificate": {
        "name": ("applicant.name",), "sex": ("applicant.gender",),
        "birth_date": ("applicant.birth_date",),
    },
    "business-licence": {
        "enterprise_name": ("new_enterprise.name",),
        "enterprise_type": ("new_enterprise.entity_type",),
        "legal_representative": ("applicant.name",),
        "registered_capital": ("new_enterprise.registered_capital",),
        "address": ("new_enterprise.address",),
        "business_scope": ("new_enterprise.business_scope",),
    },
    "deregistration-notice": {
        "enterprise_name": ("enterprise.name",), "credit_code": ("enterprise.credit_code",),
        "legal_representative": ("enterprise.legal_representative",),
    },
    "real-estate-certificate": {
        "name": ("applicant.name",), "property_location": ("property.address",),
        "property_area": ("property.floor_area",), "property_use": ("property.usage",),
    },
    "real-estate-registration-proof": {
        "name": ("applicant.name",), "property_location": ("property.address",),
    },
}  # fmt: skip
_DEFAULT: dict[str, tuple[str, ...]] = {"name": ("applicant.name",)}


def license_fields(catalog: Catalog, license_type: str, form: DraftValues) -> dict[str, str]:
    """The license's fields from the form: chosen options by their (Chinese) label, and no
    value that could carry an ID or phone number in clear."""
    fields: dict[str, str] = {}
    for key, sources in _FROM_FORM.get(license_type, _DEFAULT).items():
        value = next((v for s in sources if (v := _shown(catalog, s, form))), "")
        if value and len(value) <= MAX_VALUE_LENGTH and redact(value) == value:
            fields[key] = value
    return fields


def _shown(catalog: Catalog, key: str, form: DraftValues) -> str:
    value = form.get(key).strip()
    definition = catalog.fields.get(key)
    if definition is not None and definition.options:
        return next((o.label.zh for o in definition.options if o.value == value), value)
    return value


def delivery_for(matter: Matter, chosen: str) -> str:
    """How this matter's result goes: the applicant's choice where the matter offers it."""
    offered = [str(d) for d in matter.result.delivery]
    return chosen if chosen in offered or not offered else offered[0]


def form_of(ctx: CaseContext, application: Application) -> DraftValues:
    """The application's form as submitted (unsealed)."""
    document = ctx.protector.unseal(
        application.sealed_form, context=f"application:{application.id}"
    )
    return msgspec.json.decode(document, type=DraftValues)


async def produce(ctx: CaseContext, application: Application, sub_case: SubCase) -> CaseResult:
    """Issue the result of a just approved sub-case (idempotent: once per sub-case)."""
    existing = await ctx.db.scalar(select(CaseResult).where(CaseResult.sub_case_id == sub_case.id))
    if existing is not None:
        return existing
    matter = ctx.catalog.matters[sub_case.matter_code]
    result = CaseResult(
        sub_case_id=sub_case.id,
        application_id=application.id,
        matter_code=matter.code,
        kind=ResultKind.DOCUMENT,
        delivery=delivery_for(matter, application.delivery),
        delivered_at=ctx.clock.now(),
    )
    license_type = matter.result.license_type
    if license_type is not None:
        wallet = WalletService(ctx.db, protector=ctx.protector, license_types=ctx.license_types)
        holder = (
            Holder.enterprise(application.enterprise_id)
            if application.enterprise_id
            else Holder.person(application.person_id)
        )
        fields = license_fields(ctx.catalog, license_type, form_of(ctx, application))
        issued = await wallet.issue(
            holder, license_type, fields, source_ref=str(sub_case.id),
            holder_name=fields.get("enterprise_name") or fields.get("name"),
        )  # fmt: skip
        result.kind, result.license_id = ResultKind.LICENSE, issued.id
    ctx.db.add(result)
    await ctx.db.flush()
    return result


async def results_of(ctx: CaseContext, application: Application) -> Sequence[CaseResult]:
    """The application's results so far (delivered progressively, matter by matter)."""
    rows = await ctx.db.scalars(
        select(CaseResult)
        .where(CaseResult.application_id == application.id)
        .order_by(CaseResult.created_at)
    )
    return rows.all()
