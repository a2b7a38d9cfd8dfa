"""Preparing an application: questionnaire, notice, consent, one merged form (草稿).

The checklist each step follows: find the draft (another person's answers 404), check the
input (nothing saved on a bad answer or value), apply the catalog's rules
(``app.catalog.engine``), store. Drafts save as they go and resume on any device; values
read from shared records are stored with their source and date and cannot be edited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Protocol
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.case_models import Application
from app.applications.models import STAGE_ORDER, ConsentDecision, Draft, DraftStage
from app.catalog.engine import (
    MergedGroup,
    Notice,
    Selection,
    clean_answers,
    merged_field_keys,
    merged_form,
    notice,
    record_sources,
    select_matters,
)
from app.catalog.schema import Bundle, Catalog, FieldDef
from app.catalog.values import check_values, is_sensitive, missing_fields
from app.enterprises.models import Enterprise
from app.errors import NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import Person
from app.protection import DataProtector
from app.records.models import RecordConsent
from app.records.service import (
    FieldRequest,
    Purpose,
    RecordRead,
    reads_person_records,
    real_name_missing,
)
from app.records.sources import SOURCES, SubjectKind
from app.wallet.models import License, LicenseStatus

NOT_ONLINE = N_("This service cannot be applied for online yet. Please visit a service centre.")
ACT_FOR_ENTERPRISE = N_(
    "This service is for enterprises. Switch to acting for your enterprise on 我的 first."
)
ACT_AS_YOURSELF = N_(
    "This service is for persons. Switch back to acting as yourself on 我的 first."
)
ANSWER_FIRST = N_("Please answer the questions first.")
# What a step the applicant has not finished yet asks of them, by the draft's stage (the step
# they are on): a request for a later step is refused naming it (``draft_step_missing``).
STEP_MISSING = {
    DraftStage.QUESTIONS: ANSWER_FIRST,
    DraftStage.NOTICE: N_("Please read the notice (一次告知) and confirm it first."),
    DraftStage.CONSENT: N_(
        "Please say first whether your records may be read for this application."
    ),
    DraftStage.FORM: N_("Please fill in the form completely and save it first."),
    DraftStage.MATERIALS: N_("Please provide the materials first, then continue to the review."),
    DraftStage.REVIEW: N_("Please check the application on the review step first."),
}
STEP_MISSING_CODE = "draft_step_missing"


def step_missing(draft: Draft) -> RuleViolation:
    """The refusal of a step that comes after the one ``draft`` is on: it names that step."""
    return RuleViolation(STEP_MISSING[draft.stage], code=STEP_MISSING_CODE, step=str(draft.stage))


def real_name_first(catalog: Catalog, bundle: Bundle, person: Person) -> bool:
    """Whether ``person`` should verify their real name before starting ``bundle``.

    Its matters read the applicant's own records (prefills, proofs), which are found by a
    verified ID number: at level L1 the consent step would refuse to read them, so the
    guide says so before they start. (They may still apply, typing and uploading all.)
    """
    sources = record_sources(catalog, [item.matter for item in bundle.matters])
    return bundle.modelled and real_name_missing(person) and reads_person_records(sources)


def _keeps_when_empty(field: FieldDef | None) -> bool:
    return field is not None and is_sensitive(field)


class Prefilled(msgspec.Struct, frozen=True, kw_only=True):
    """A value read from a shared record: shown with its source and date, not editable."""

    value: str
    source: str
    field: str
    as_of: date


class DraftValues(msgspec.Struct, kw_only=True):
    """What the form holds: typed values and values from records (sealed together)."""

    values: dict[str, str] = msgspec.field(default_factory=dict)
    prefilled: dict[str, Prefilled] = msgspec.field(default_factory=dict)

    def get(self, key: str) -> str:
        """The value of ``key``: from the records when read, else as typed ('' when none)."""
        if key in self.prefilled:
            return self.prefilled[key].value
        return self.values.get(key, "")


class RecordsPort(Protocol):
    """What drafts need from ``app.records.service.RecordsService``."""

    async def grant_consent(
        self,
        person: Person,
        purpose: Purpose,
        requests: Sequence[FieldRequest],
        *,
        enterprise: Enterprise | None = None,
    ) -> object: ...

    async def read_outcomes(
        self,
        person: Person,
        purpose: Purpose,
        requests: Sequence[FieldRequest],
        *,
        enterprise: Enterprise | None = None,
    ) -> RecordRead: ...

    async def report_error(
        self,
        person: Person,
        source: str,
        field: str,
        note: str,
        purpose: Purpose,
        *,
        enterprise: Enterprise | None = None,
    ) -> object: ...

    async def consent_for(self, person: Person, purpose: Purpose) -> RecordConsent | None: ...


class DraftService:
    """A person's drafts (or their enterprise's, while they act for it)."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        catalog: Catalog,
        protector: DataProtector,
        records: RecordsPort,
    ) -> None:
        self._db = db
        self.catalog = catalog
        self._protector = protector
        self._records = records

    def startable(self, bundle_code: str, *, enterprise_id: UUID | None) -> Bundle:
        """The bundle, if this applicant may start it online; ``RuleViolation`` says why not."""
        bundle = self.catalog.bundles.get(bundle_code)
        if bundle is None:
            raise NotFound
        if not bundle.modelled:
            raise RuleViolation(NOT_ONLINE)
        if bundle.audience is SubjectKind.ENTERPRISE and enterprise_id is None:
            raise RuleViolation(ACT_FOR_ENTERPRISE)
        if bundle.audience is SubjectKind.PERSON and enterprise_id is not None:
            raise RuleViolation(ACT_AS_YOURSELF)
        return bundle

    async def start(self, person: Person, bundle_code: str, *, enterprise_id: UUID | None) -> Draft:
        """The open draft of this bundle for this applicant, or a new one."""
        bundle = self.startable(bundle_code, enterprise_id=enterprise_id)
        found = await self.open_draft(person, bundle_code, enterprise_id=enterprise_id)
        if found is not None:
            return found
        draft = Draft(
            person_id=person.id,
            enterprise_id=enterprise_id,
            bundle_code=bundle_code,
            stage=DraftStage.QUESTIONS,
            answers={},
            deselected=[],
            proofs=[],
        )
        if not bundle.questions:
            draft.stage = DraftStage.NOTICE
        self._db.add(draft)
        await self._db.flush()
        return draft

    async def open_draft(
        self, person: Person, bundle_code: str, *, enterprise_id: UUID | None
    ) -> Draft | None:
        """The applicant's unsubmitted draft of this bundle, if any (``NotFound``: no bundle)."""
        if bundle_code not in self.catalog.bundles:
            raise NotFound
        for draft in await self.mine(person, enterprise_id=enterprise_id):
            if draft.bundle_code == bundle_code:
                return draft
        return None

    async def mine(self, person: Person, *, enterprise_id: UUID | None) -> list[Draft]:
        """Unsubmitted drafts of this applicant, most recently changed first."""
        query = (
            select(Draft)
            .where(Draft.person_id == person.id, Draft.submitted_at.is_(None))
            .where(Draft.enterprise_id.is_(None) if enterprise_id is None
                   else Draft.enterprise_id == enterprise_id)
            .order_by(Draft.updated_at.desc())
        )  # fmt: skip
        return list((await self._db.scalars(query)).all())

    async def get(self, person: Person, draft_id: UUID, *, enterprise_id: UUID | None) -> Draft:
        """The draft if it is this applicant's and unsubmitted; ``NotFound`` otherwise.

        A draft of theirs that was submitted is gone as a draft, but the refusal names the
        application it became (``application_id``), so that a channel can lead there.
        """
        draft = await self._db.get(Draft, draft_id)
        if draft is None or draft.person_id != person.id or draft.enterprise_id != enterprise_id:
            raise NotFound
        if draft.submitted_at is not None:
            raise NotFound(application_id=await self.application_of(draft))
        return draft

    async def application_of(self, draft: Draft) -> UUID | None:
        """The application ``draft`` became (None while it is a draft)."""
        found: UUID | None = await self._db.scalar(
            select(Application.id).where(Application.draft_id == draft.id)
        )
        return found

    def bundle(self, draft: Draft) -> Bundle:
        """The draft's bundle."""
        return self.catalog.bundles[draft.bundle_code]

    def selection(self, draft: Draft) -> Selection:
        """The matters that apply to the stored answers, minus those left out."""
        return select_matters(self.bundle(draft), draft.answers, draft.deselected)

    def preview(
        self, draft: Draft, answers: Mapping[str, Sequence[str]], deselect: Sequence[str]
    ) -> tuple[dict[str, tuple[str, ...]], dict[str, str], Selection]:
        """What ``answer`` would make of these answers, without saving anything."""
        bundle = self.bundle(draft)
        kept, problems = clean_answers(bundle, answers)
        return kept, problems, select_matters(bundle, kept, deselect)

    async def answer(
        self, draft: Draft, answers: Mapping[str, Sequence[str]], deselect: Sequence[str]
    ) -> Selection:
        """Store complete answers and the deselection; ``RuleViolation`` keeps the old ones."""
        kept, problems, selection = self.preview(draft, answers, deselect)
        problems |= dict(selection.refused)
        if problems:
            raise RuleViolation(fields=problems)
        if not selection.selected:
            raise RuleViolation(N_("Keep at least one service item to apply for."))
        await self._apply_selection(draft, {k: list(v) for k, v in kept.items()}, selection)
        draft.proofs = sorted(set(draft.proofs) | await self._wallet_proofs(draft))
        self.reach(draft, DraftStage.NOTICE)
        await self._db.flush()
        return selection

    async def set_deselected(self, draft: Draft, deselect: Sequence[str]) -> Selection:
        """Leave optional matters out (or bring them back) from the form page."""
        if STAGE_ORDER.index(draft.stage) < STAGE_ORDER.index(DraftStage.NOTICE):
            raise step_missing(draft)
        return await self.answer(draft, draft.answers, deselect)

    async def _apply_selection(
        self, draft: Draft, answers: dict[str, list[str]], selection: Selection
    ) -> None:
        draft.answers = answers
        draft.deselected = list(selection.deselected)
        # New fields may need records not consented to: ask again rather than read silently.
        # What the consent names counts, not what the last selection needed: a matter left
        # out and taken back reads nothing new, so it must not undo the consent.
        if draft.consent == ConsentDecision.GRANTED and not set(
            self.record_requests(draft)
        ) <= await self._consented(draft):
            draft.consent = None
            draft.stage = min(draft.stage, DraftStage.CONSENT, key=STAGE_ORDER.index)

    async def _consented(self, draft: Draft) -> set[FieldRequest]:
        """The record fields the applicant's active consent for this draft names."""
        person = await self._db.get(Person, draft.person_id)
        consent = await self._records.consent_for(person, self.purpose(draft)) if person else None
        if consent is None:
            return set()
        return {
            FieldRequest(source=source, field=field)
            for source, _, field in (name.partition(".") for name in consent.fields)
        }

    def notice(self, draft: Draft) -> Notice:
        """The 一次告知 of the current selection, with the proofs found so far."""
        return notice(self.catalog, self.selection(draft), draft.proofs)

    async def acknowledge_notice(self, draft: Draft) -> None:
        """The notice was read: next the consent, or the form when no record would be read."""
        self.require_stage(draft, DraftStage.NOTICE)
        self.reach(draft, DraftStage.CONSENT if self.record_requests(draft) else DraftStage.FORM)
        await self._db.flush()

    def form(self, draft: Draft) -> list[MergedGroup]:
        """The merged form of the current selection."""
        return merged_form(self.catalog, self.selection(draft).selected_codes)

    def record_requests(self, draft: Draft) -> list[FieldRequest]:
        """The record fields this draft would read: prefills of its fields, and proofs."""
        selected = self.selection(draft).selected_codes
        wanted: dict[FieldRequest, None] = {}
        for key in merged_field_keys(self.catalog, selected):
            ref = self.catalog.fields[key].prefill
            if ref is not None:
                wanted[FieldRequest(source=ref.source, field=ref.field)] = None
        read_sources = {r.source for r in wanted}
        for code in selected:
            for material in self.catalog.matters[code].materials:
                for proof in material.proven_by:
                    kind, _, source = proof.partition(":")
                    if kind == "record" and source not in read_sources:
                        # Proof needs only to know a record exists: its first field is enough.
                        first = SOURCES[source].fields[0].name
                        wanted[FieldRequest(source=source, field=first)] = None
                        read_sources.add(source)
        return list(wanted)

    def purpose(self, draft: Draft) -> Purpose:
        """What reads for this draft are for, as the data-use page shows it."""
        return Purpose(kind="draft", ref=str(draft.id), label=self.bundle(draft).name.zh)

    async def grant_consent(self, draft: Draft, person: Person) -> list[str]:
        """Record the consent, read the records and fill the form with what they hold.

        Returns the sources that could not be read just now (the form says so; the person
        may type those values or read again later).
        """
        self.require_stage(draft, DraftStage.CONSENT)
        requests = self.record_requests(draft)
        enterprise = await self._enterprise(draft)
        purpose = self.purpose(draft)
        await self._records.grant_consent(person, purpose, requests, enterprise=enterprise)
        outcome = await self._records.read_outcomes(
            person, purpose, requests, enterprise=enterprise
        )
        found = outcome.values
        values = self.values(draft)
        values.prefilled = {}
        for key in merged_field_keys(self.catalog, self.selection(draft).selected_codes):
            ref = self.catalog.fields[key].prefill
            hit = found.get((ref.source, ref.field)) if ref else None
            if hit is not None and hit.value:
                values.prefilled[key] = Prefilled(
                    value=hit.value, source=hit.source, field=hit.field, as_of=hit.as_of
                )
        found_proofs = {f"record:{v.source}" for v in found.values() if v.value}
        draft.proofs = sorted(found_proofs | await self._wallet_proofs(draft))
        draft.consent = ConsentDecision.GRANTED
        self._store(draft, values)
        self.reach(draft, DraftStage.FORM)
        await self._db.flush()
        return sorted(outcome.unavailable)

    async def decline_consent(self, draft: Draft) -> None:
        """Go on without reading records: every field is typed, every material uploaded."""
        self.require_stage(draft, DraftStage.CONSENT)
        values = self.values(draft)
        values.prefilled = {}
        draft.proofs = sorted(await self._wallet_proofs(draft))
        draft.consent = ConsentDecision.DECLINED
        self._store(draft, values)
        self.reach(draft, DraftStage.FORM)
        await self._db.flush()

    def values(self, draft: Draft) -> DraftValues:
        """The form's values (unsealed)."""
        if draft.sealed_values is None:
            return DraftValues()
        document = self._protector.unseal(draft.sealed_values, context=f"draft:{draft.id}")
        return msgspec.json.decode(document, type=DraftValues)

    async def save_values(
        self, draft: Draft, raw: Mapping[str, str], *, complete: bool
    ) -> DraftValues:
        """Merge typed values (records' values stay); with ``complete``, every field is needed.

        A malformed value refuses the whole save, so a bad value never replaces a good one.
        """
        self.require_stage(draft, DraftStage.FORM)
        keys = merged_field_keys(self.catalog, self.selection(draft).selected_codes)
        values = self.values(draft)
        editable = {k: self.catalog.fields[k] for k in keys if k not in values.prefilled}
        # Saved ID and phone numbers are shown masked, not in the input: empty keeps them.
        raw = {k: v for k, v in raw.items() if v.strip() or not _keeps_when_empty(editable.get(k))}
        clean, problems = check_values(editable, raw)
        merged = {**values.values, **clean}
        if complete:
            required = [k for k, f in editable.items() if f.required]
            problems = missing_fields(required, merged) | problems
        if problems:
            raise RuleViolation(fields=problems)
        values.values = {k: v for k, v in merged.items() if v}
        self._store(draft, values)
        if complete:
            self.reach(draft, DraftStage.MATERIALS)
        await self._db.flush()
        return values

    async def report_error(self, draft: Draft, person: Person, key: str, note: str) -> None:
        """Send "this value is wrong" about a pre-filled field to the record's source."""
        prefilled = self.values(draft).prefilled.get(key)
        if prefilled is None:
            raise NotFound
        await self._records.report_error(
            person,
            prefilled.source,
            prefilled.field,
            note,
            self.purpose(draft),
            enterprise=await self._enterprise(draft),
        )

    def _store(self, draft: Draft, values: DraftValues) -> None:
        document = msgspec.json.encode(values).decode()
        draft.sealed_values = self._protector.seal(document, context=f"draft:{draft.id}")

    async def _wallet_proofs(self, draft: Draft) -> set[str]:
        """``license:<type>`` for each current e-license the applicant holds (一套材料)."""
        holder = (
            License.enterprise_id == draft.enterprise_id
            if draft.enterprise_id is not None
            else License.person_id == draft.person_id
        )
        now = datetime.now(UTC)
        held = await self._db.scalars(select(License).where(holder))
        return {
            f"license:{found.license_type}"
            for found in held
            if found.status_at(now) == LicenseStatus.ISSUED
        }

    async def _enterprise(self, draft: Draft) -> Enterprise | None:
        if draft.enterprise_id is None:
            return None
        return await self._db.get(Enterprise, draft.enterprise_id)

    def reach(self, draft: Draft, stage: DraftStage) -> None:
        if STAGE_ORDER.index(stage) > STAGE_ORDER.index(draft.stage):
            draft.stage = stage

    def require_stage(self, draft: Draft, stage: DraftStage) -> None:
        """Refuse (``draft_step_missing``, naming the step to finish) before ``stage``."""
        if STAGE_ORDER.index(draft.stage) < STAGE_ORDER.index(stage):
            raise step_missing(draft)

    def reached(self, draft: Draft, stage: DraftStage) -> bool:
        """Whether the applicant may open the page of ``stage`` yet."""
        return STAGE_ORDER.index(draft.stage) >= STAGE_ORDER.index(stage)
