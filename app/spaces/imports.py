"""Importing licenses the shared records already hold into the wallet (证照导入).

Where a source's record *is* a license — the household register page (population), the
disability certificate (disability), the real-estate title (real-estate), the business
licence (enterprise-registry) — the holder can import it in one step, so the wallet is
useful from day one. Pressing "import" is the consent to read exactly the fields listed on
the page; the read goes through ``RecordsService`` (so it lands in the data-access log), the
one-off consent is withdrawn right after, and the license is issued through
``WalletService.issue`` with ``source_ref = "record:<source>:<holder id>"``: importing again
returns the license made the first time, without reading the records again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.catalog.loader import LicenseType
from app.enterprises.models import Enterprise
from app.i18n import N_
from app.identity.models import Person
from app.privacy import redact
from app.records.models import AccessOutcome
from app.records.service import FieldRequest, Purpose, RecordsService
from app.records.sources import SOURCES, SubjectKind
from app.wallet.models import License
from app.wallet.service import CHINA, Holder, WalletService

NOT_HELD = N_("The records hold no such license for you.")
TRY_LATER = N_("The records cannot be reached just now. Please try again later.")
PURPOSE_KIND = "license-import"


class Importable(msgspec.Struct, frozen=True, kw_only=True):
    """A source whose record is a license: which license, and field by field how."""

    source: str
    license_type: str
    # license field <- source field
    fields: dict[str, str]
    number_from: str | None = None
    valid_until_from: str | None = None
    suffix: dict[str, str] = msgspec.field(default_factory=dict)  # license field -> unit

    @property
    def for_enterprise(self) -> bool:
        """Whether an enterprise (acted for) holds this license, not the person."""
        return SOURCES[self.source].subject is SubjectKind.ENTERPRISE

    def requests(self) -> list[FieldRequest]:
        """Every source field the import reads (what the consent names)."""
        names = [*self.fields.values(), self.number_from, self.valid_until_from]
        return [FieldRequest(self.source, name) for name in dict.fromkeys(names) if name]


IMPORTABLE: dict[str, Importable] = {
    item.source: item
    for item in (
        Importable(
            source="population",
            license_type="household-register",
            fields={
                "name": "name",
                "id_number": "id_number",
                "sex": "gender",
                "ethnicity": "ethnicity",
                "birth_date": "birth_date",
                "address": "household_address",
                "household_head": "household_head",
                "relation": "relation_to_head",
            },
            number_from="household_number",
        ),
        Importable(
            source="disability",
            license_type="disability-certificate",
            # The certificate number embeds the ID number: never a license number in clear.
            fields={"disability_category": "category", "disability_grade": "grade"},
            valid_until_from="valid_until",
        ),
        Importable(
            source="real-estate",
            license_type="real-estate-certificate",
            fields={
                "property_location": "property_address",
                "property_area": "floor_area",
                "property_use": "usage",
            },
            number_from="certificate_number",
            suffix={"property_area": "㎡"},
        ),
        Importable(
            source="enterprise-registry",
            license_type="business-licence",
            fields={
                "enterprise_name": "name",
                "credit_code": "credit_code",
                "legal_representative": "legal_representative",
                "enterprise_type": "entity_type",
                "registered_capital": "registered_capital",
                "established_on": "established_on",
                "address": "registered_address",
                "business_scope": "business_scope",
            },
            number_from="credit_code",
        ),
    )
}


def importable_for(acting: bool) -> list[Importable]:
    """What can be imported into the wallet shown: the enterprise's, or the person's own."""
    return [item for item in IMPORTABLE.values() if item.for_enterprise == acting]


class ImportOption(msgspec.Struct, frozen=True, kw_only=True):
    """One importable license as a channel lists it: what, from where, which fields are read."""

    source: str
    title: str  # also the purpose the data-access log names for the read
    source_label: str
    fields: list[str]


def import_options(
    acting: bool, locale: str, types: Mapping[str, LicenseType]
) -> list[ImportOption]:
    """The options of the wallet shown (the enterprise's or the person's), in ``locale``."""
    return [_option(item, locale, types) for item in importable_for(acting)]


def import_option(
    source: str, acting: bool, locale: str, types: Mapping[str, LicenseType]
) -> ImportOption | None:
    """The option ``source`` of the wallet shown, or None when it offers no such import."""
    return next((o for o in import_options(acting, locale, types) if o.source == source), None)


def _option(item: Importable, locale: str, types: Mapping[str, LicenseType]) -> ImportOption:
    source = SOURCES[item.source]
    return ImportOption(
        source=item.source,
        title=types[item.license_type].name(locale),
        source_label=source.label(locale),
        fields=[
            field.label(locale)
            for request in item.requests()
            if (field := source.field(request.field)) is not None
        ],
    )


class LicenseImportService:
    """Reads a license-holding record (with consent, logged) and issues it into the wallet."""

    def __init__(self, db: AsyncSession, *, records: RecordsService, wallet: WalletService) -> None:
        self._db = db
        self._records = records
        self._wallet = wallet

    @property
    def license_types(self) -> Mapping[str, LicenseType]:
        """The catalog's license types (what each importable one is called)."""
        return self._wallet.license_types

    async def import_from(
        self, person: Person, source: str, *, enterprise_id: UUID | None, label: str
    ) -> License:
        """Import the license ``source`` holds for the wallet shown (``label`` names it).

        ``enterprise_id`` is the enterprise acted for (its sources only), else None.
        """
        enterprise = await self._db.get(Enterprise, enterprise_id) if enterprise_id else None
        item = IMPORTABLE.get(source)
        if item is None or item.for_enterprise != (enterprise is not None):
            raise errors.NotFound
        holder = Holder.enterprise(enterprise.id) if enterprise else Holder.person(person.id)
        source_ref = f"record:{source}:{holder.id}"
        existing = await self._db.scalar(select(License).where(License.source_ref == source_ref))
        if existing is not None:
            return existing
        values = await self._read(person, item, holder.id, enterprise, label)
        return await self._wallet.issue(
            holder,
            item.license_type,
            _fields(item, values),
            number=_number(item, values),
            valid_until=_valid_until(item, values),
            holder_name=enterprise.name if enterprise else person.real_name,
            source_ref=source_ref,
        )

    async def _read(
        self,
        person: Person,
        item: Importable,
        holder_id: UUID,
        enterprise: Enterprise | None,
        label: str,
    ) -> dict[str, str]:
        purpose = Purpose(kind=PURPOSE_KIND, ref=f"{item.source}:{holder_id}"[:64], label=label)
        requests = item.requests()
        await self._records.grant_consent(person, purpose, requests, enterprise=enterprise)
        read = await self._records.read_outcomes(person, purpose, requests, enterprise=enterprise)
        await self._records.withdraw_consent(person, purpose)  # one import, one read
        if read.outcomes.get(item.source) is AccessOutcome.UNAVAILABLE:
            raise errors.Unavailable(TRY_LATER)
        if not read.values:
            raise errors.RuleViolation(NOT_HELD)
        return {field: value.value for (_, field), value in read.values.items()}


def _fields(item: Importable, values: dict[str, str]) -> dict[str, str]:
    found = {key: values.get(name, "").strip() for key, name in item.fields.items()}
    return {key: value + item.suffix.get(key, "") for key, value in found.items() if value}


def _number(item: Importable, values: dict[str, str]) -> str | None:
    number = values.get(item.number_from, "") if item.number_from else ""
    # A number that could be read as an ID or phone number is replaced by a generated one.
    return number if number and redact(number) == number and len(number) <= 64 else None


def _valid_until(item: Importable, values: dict[str, str]) -> datetime | None:
    raw = values.get(item.valid_until_from, "") if item.valid_until_from else ""
    return _parse(raw, lambda day: datetime.combine(day, time(23, 59, 59), CHINA))


def _parse(raw: str, to: Callable[[date], datetime]) -> datetime | None:
    try:
        return to(date.fromisoformat(raw)) if raw else None
    except ValueError:
        return None
