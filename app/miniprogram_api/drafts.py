"""``/mp/v1/drafts``: the same flow as the web pages — questions, notice, consent, form.

For the person behind the bearer token; for an enterprise they are an active member of, or a
person who authorized them (a relative, a ward), when the request carries ``X-Acting-For``
(``app.web.agency``: checked on every request; a membership or authorization that ended
answers 404, and each step of an agent passes the authorization's scope and services, as on
the pages). ID and phone numbers are sent masked, as the pages show them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath

from app.applications.drafts import DraftService, DraftValues
from app.applications.models import Draft, DraftStage
from app.assist.models import Scope
from app.catalog.answers import masked_value
from app.miniprogram_api.catalog import OptionBody, department_name, text
from app.miniprogram_api.contract import ACTING_FOR
from app.records.sources import SOURCES
from app.web.access import Access
from app.web.agency import Applicant, bearer_applicant, permitted, require
from app.web.providers.applications import provide_drafts
from app.web.templating import shown_field


class DraftBody(msgspec.Struct, kw_only=True, rename="camel"):
    """Where a draft stands."""

    id: UUID
    bundle_code: str
    stage: str
    answers: dict[str, list[str]]
    selected: list[str]
    deselected: list[str]
    consent: str | None


class DraftList(msgspec.Struct, kw_only=True, rename="camel"):
    """My unsubmitted drafts, most recently changed first."""

    drafts: list[DraftBody]


class DraftStart(msgspec.Struct, kw_only=True, rename="camel"):
    """Start (or resume) the draft of a bundle."""

    bundle_code: str


# Far more than any bundle's questions or merged form has (the largest form has ~60 fields):
# a body with more keys is refused whole instead of being walked.
MAX_KEYS = 500


class AnswersBody(msgspec.Struct, kw_only=True, rename="camel"):
    """Questionnaire answers (several values for multiple choice) and matters left out."""

    answers: Annotated[dict[str, list[str]], msgspec.Meta(max_length=MAX_KEYS)]
    deselected: Annotated[list[str], msgspec.Meta(max_length=MAX_KEYS)] = msgspec.field(
        default_factory=list
    )


class MaterialBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A material: proven by a record already, or to provide."""

    code: str
    name: str
    required: bool
    proven: bool
    may_defer: bool


class NoticeMatterBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One matter of the notice."""

    code: str
    name: str
    department: str
    promised_days: int
    conditions: list[str]
    materials: list[MaterialBody]
    fees_yuan: float
    result: str
    department_name: str = ""  # the department in words, in the request's language


class NoticeBody(msgspec.Struct, kw_only=True, rename="camel"):
    """一次告知: everything at once."""

    matters: list[NoticeMatterBody]
    departments: list[str]
    total_fees_yuan: float
    promised_days: int
    statutory_days: int
    deliveries: list[str]
    department_names: list[str] = msgspec.field(default_factory=list)  # ``departments`` in words


class RecordRequestBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A record field the draft would read with consent."""

    source: str
    source_label: str
    department: str
    field: str
    field_label: str
    department_name: str = ""  # the department in words, in the request's language


class ConsentQuestion(msgspec.Struct, kw_only=True, rename="camel"):
    """What the consent covers."""

    purpose: str
    requests: list[RecordRequestBody]


class ConsentAnswer(msgspec.Struct, kw_only=True, rename="camel"):
    """Agree (read the records) or not (type everything)."""

    agree: bool


class SourceBody(msgspec.Struct, kw_only=True, rename="camel"):
    """Where a pre-filled value comes from."""

    source: str
    label: str
    department: str
    as_of: date
    department_name: str = ""  # the department in words, in the request's language


class FieldBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A field of the merged form with its value (ID and phone numbers masked): ``value`` is
    what is stored (an option's code), ``valueLabel`` what to show."""

    key: str
    label: str
    kind: str
    max_length: int
    options: list[OptionBody]
    value: str
    read_only: bool
    source: SourceBody | None
    needed_by: list[str]
    hint: str | None = None
    required: bool = False  # must be filled before ``PATCH …/values {complete: true}`` passes
    value_label: str = ""  # ``value`` as a person reads it: an option's label, yes or no


class GroupBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A section of the merged form."""

    code: str
    label: str
    fields: list[FieldBody]


class FormBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The merged form of the draft's selection."""

    groups: list[GroupBody]


class ValuesBody(msgspec.Struct, kw_only=True, rename="camel"):
    """Typed values; ``complete`` also checks that nothing is left empty."""

    values: Annotated[dict[str, str], msgspec.Meta(max_length=MAX_KEYS)]
    complete: bool = False


JsonBody = Body()


async def _draft(
    request: Request[Any, Any, Any], drafts: DraftService, draft_id: UUID,
    scope: Scope = Scope.PREPARE, step: str = "open",
) -> Draft:  # fmt: skip
    """The applicant's draft: 404 for anyone else's, or outside an agent's authorization."""
    applicant = await bearer_applicant(request)
    draft = await drafts.get(applicant.person, draft_id, enterprise_id=applicant.enterprise_id)
    await require(request, applicant, draft.bundle_code, scope, f"draft {draft.id} {step}")
    return draft


async def _applicant(request: Request[Any, Any, Any]) -> Applicant:
    # One resolver for every operation (app.web.agency): membership and authorization there.
    return await bearer_applicant(request)


def _body(drafts: DraftService, draft: Draft) -> DraftBody:
    selection = drafts.selection(draft)
    return DraftBody(
        id=draft.id,
        bundle_code=draft.bundle_code,
        stage=draft.stage,
        answers=draft.answers,
        selected=list(selection.selected_codes),
        deselected=list(selection.deselected),
        consent=draft.consent,
    )


def _form(drafts: DraftService, draft: Draft, values: DraftValues) -> FormBody:
    groups = []
    for group in drafts.form(draft):
        fields = []
        for item in group.fields:
            f, pre = item.definition, values.prefilled.get(item.definition.key)
            source = None
            if pre is not None:
                spec = SOURCES[pre.source]
                source = SourceBody(source=pre.source, label=text(spec.label),
                                    department=spec.department, as_of=pre.as_of,
                                    department_name=department_name(spec.department))  # fmt: skip
            fields.append(FieldBody(
                key=f.key, label=text(f.label), kind=f.kind.value, max_length=f.max_length,
                options=[OptionBody(value=o.value, label=text(o.label)) for o in f.options],
                value=masked_value(f, values.get(f.key)), read_only=pre is not None,
                source=source, needed_by=list(item.matters), hint=text(f.hint) or None,
                required=f.required, value_label=shown_field(f, values.get(f.key)),
            ))  # fmt: skip
        groups.append(
            GroupBody(code=group.group.code, label=text(group.group.label), fields=fields)
        )
    return FormBody(groups=groups)


class DraftApi(Controller):
    """My drafts through the mini-program."""

    path = "/drafts"
    tags = ["mini-program: drafts"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    parameters = ACTING_FOR  # documents (and checks) the header ``_applicant`` reads
    dependencies = {  # noqa: RUF012
        "drafts": Provide(provide_drafts),
    }

    @post("/", status_code=201)
    async def start(
        self, request: Request[Any, Any, Any], data: Annotated[DraftStart, JsonBody],
        drafts: NamedDependency[DraftService],
    ) -> DraftBody:  # fmt: skip
        """Start the draft of a bundle, or get the open one back."""
        applicant = await _applicant(request)
        code = data.bundle_code[:100]
        await require(request, applicant, code, Scope.PREPARE, f"start {code}")
        draft = await drafts.start(
            applicant.person, data.bundle_code, enterprise_id=applicant.enterprise_id
        )
        return _body(drafts, draft)

    @get("/")
    async def mine(
        self, request: Request[Any, Any, Any], drafts: NamedDependency[DraftService],
    ) -> DraftList:  # fmt: skip
        """My unsubmitted drafts (an agent sees only those they may prepare)."""
        applicant = await _applicant(request)
        mine = await drafts.mine(applicant.person, enterprise_id=applicant.enterprise_id)
        allowed = await permitted(request, applicant, Scope.PREPARE)
        if allowed is not None:
            mine = [d for d in mine if d.bundle_code in allowed]
        return DraftList(drafts=[_body(drafts, d) for d in mine])

    @get("/{draft_id:uuid}")
    async def one(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService],
    ) -> DraftBody:  # fmt: skip
        """Where one draft stands."""
        return _body(drafts, await _draft(request, drafts, draft_id))

    @put("/{draft_id:uuid}/answers")
    async def answer(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        data: Annotated[AnswersBody, JsonBody], drafts: NamedDependency[DraftService],
    ) -> DraftBody:  # fmt: skip
        """Save complete answers; 422 with a message per question otherwise (nothing saved)."""
        draft = await _draft(request, drafts, draft_id, step="answers")
        await drafts.answer(draft, data.answers, data.deselected)
        return _body(drafts, draft)

    @get("/{draft_id:uuid}/notice")
    async def notice(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService],
    ) -> NoticeBody:  # fmt: skip
        """一次告知 for the draft's selection."""
        draft = await _draft(request, drafts, draft_id)
        drafts.require_stage(draft, DraftStage.NOTICE)
        found = drafts.notice(draft)
        return NoticeBody(
            matters=[NoticeMatterBody(
                code=i.matter.code, name=text(i.matter.name), department=i.matter.department,
                department_name=department_name(i.matter.department),
                promised_days=i.matter.promised_days,
                conditions=[text(c) for c in i.matter.conditions],
                materials=[MaterialBody(code=m.code, name=text(m.name), required=m.required,
                                        proven=m in i.proven, may_defer=m.may_defer)
                           for m in i.matter.materials],
                fees_yuan=sum(f.amount_yuan for f in i.matter.fees),
                result=text(i.matter.result.name),
            ) for i in found.matters],
            departments=list(found.departments), total_fees_yuan=found.total_fees_yuan,
            department_names=[department_name(d) for d in found.departments],
            promised_days=found.promised_days, statutory_days=found.statutory_days,
            deliveries=[d.value for d in found.deliveries],
        )  # fmt: skip

    @post("/{draft_id:uuid}/notice/acknowledge", status_code=200)
    async def acknowledge(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService],
    ) -> DraftBody:  # fmt: skip
        """The notice was read: the draft moves to the consent (or the form)."""
        draft = await _draft(request, drafts, draft_id, step="notice read")
        await drafts.acknowledge_notice(draft)
        return _body(drafts, draft)

    @get("/{draft_id:uuid}/consent")
    async def consent_question(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService],
    ) -> ConsentQuestion:  # fmt: skip
        """Which record fields would be read, from whom, for what."""
        draft = await _draft(request, drafts, draft_id)
        requests = []
        for r in drafts.record_requests(draft):
            source = SOURCES[r.source]
            label = source.field(r.field)
            requests.append(RecordRequestBody(
                source=r.source, source_label=text(source.label), department=source.department,
                department_name=department_name(source.department),
                field=r.field, field_label=text(label.label) if label else r.field,
            ))  # fmt: skip
        return ConsentQuestion(purpose=text(drafts.bundle(draft).name), requests=requests)

    @post("/{draft_id:uuid}/consent", status_code=200)
    async def consent(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        data: Annotated[ConsentAnswer, JsonBody], drafts: NamedDependency[DraftService],
    ) -> DraftBody:  # fmt: skip
        """Agree (the records are read into the form) or decline."""
        applicant = await _applicant(request)
        draft = await _draft(request, drafts, draft_id, Scope.CONSENT, "consent")
        if data.agree:
            await drafts.grant_consent(draft, applicant.person)
        else:
            await drafts.decline_consent(draft)
        return _body(drafts, draft)

    @get("/{draft_id:uuid}/form")
    async def form(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService],
    ) -> FormBody:  # fmt: skip
        """The merged form definition with its values and their sources."""
        draft = await _draft(request, drafts, draft_id)
        drafts.require_stage(draft, DraftStage.FORM)
        return _form(drafts, draft, drafts.values(draft))

    @patch("/{draft_id:uuid}/values")
    async def save(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        data: Annotated[ValuesBody, JsonBody], drafts: NamedDependency[DraftService],
    ) -> FormBody:  # fmt: skip
        """Save typed values (autosave); 422 with a message per field, nothing saved."""
        draft = await _draft(request, drafts, draft_id, step="form")
        values = await drafts.save_values(draft, data.values, complete=data.complete)
        return _form(drafts, draft, values)
