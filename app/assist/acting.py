"""Acting for a resident at a home visit, through the resident's own drafts and applications.

``AssistedDesk`` is the field worker's only way to a resident's data. Each call follows the
same checklist: the visit is this worker's (404 otherwise), an active authorization of the
resident covers the action and the bundle (404 otherwise, and the use is written into the
authorization's history), then the ordinary services do the work — the same ``DraftService``
and ``Submissions`` the resident uses, with record reads logged under the worker's staff id
and the application's history naming the worker "on behalf of" the resident.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from app.applications.case_models import Application, Channel
from app.applications.context import CaseContext
from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import DraftService
from app.applications.models import Draft
from app.applications.submission import Submission, Submissions
from app.assist.assignment import Dispatch
from app.assist.authorizations import Agent, AuthorizationService
from app.assist.models import HomeVisit, Scope
from app.assist.request_models import VisitRequest
from app.assist.requests import VisitRequestService
from app.assist.visits import VisitService
from app.enterprises.models import Enterprise
from app.errors import NotFound
from app.identity.models import Person
from app.records.models import RecordConsent
from app.records.service import FieldRequest, Purpose, RecordRead, RecordsService
from app.staff.models import Staff


class OnBehalfRecords:
    """``RecordsService`` as drafts see it, with every read logged under the agent's id.

    The agent is a field worker (``staff_id``) or a relative or guardian (``person_id``).
    """

    def __init__(
        self, records: RecordsService, staff_id: UUID | None, *, person_id: UUID | None = None
    ) -> None:
        self._records = records
        self._staff_id = staff_id
        self._person_id = person_id

    async def grant_consent(
        self, person: Person, purpose: Purpose, requests: Sequence[FieldRequest], *,
        enterprise: Enterprise | None = None,
    ) -> object:  # fmt: skip
        """The resident's consent, given through the worker (the authorization records it)."""
        return await self._records.grant_consent(person, purpose, requests, enterprise=enterprise)

    async def read_outcomes(
        self, person: Person, purpose: Purpose, requests: Sequence[FieldRequest], *,
        enterprise: Enterprise | None = None,
    ) -> RecordRead:  # fmt: skip
        """Read, with the worker named as accessor in the data-access log."""
        return await self._records.read_outcomes(
            person, purpose, requests, enterprise=enterprise, accessor_staff_id=self._staff_id,
            accessor_person_id=self._person_id,
        )  # fmt: skip

    async def report_error(
        self, person: Person, source: str, field: str, note: str, purpose: Purpose, *,
        enterprise: Enterprise | None = None,
    ) -> object:  # fmt: skip
        """Pass a correction request on, as the resident's."""
        return await self._records.report_error(
            person, source, field, note, purpose, enterprise=enterprise
        )

    async def consent_for(self, person: Person, purpose: Purpose) -> RecordConsent | None:
        """The resident's active consent for ``purpose`` (reading it reads no record)."""
        return await self._records.consent_for(person, purpose)


class AgentDesk:
    """An agent's acts for a principal: a relative's or guardian's (a ``Person`` agent; the key
    is the principal's id, and an active authorization naming the agent must exist), or, in
    ``AssistedDesk``, a field worker's for the resident of one of their visits (the key is the
    visit's id). Every call passes ``AuthorizationService.require_agent``.
    """

    def __init__(
        self, ctx: CaseContext, *, agent: Staff | Person, records: RecordsService,
        max_bytes: int, max_pixels: int,
    ) -> None:  # fmt: skip
        self._ctx = ctx
        self.agent = agent
        staff = isinstance(agent, Staff)
        self.who = Agent.staff(agent.id) if staff else Agent.person(agent.id)
        self.authorizations = AuthorizationService(ctx.db, catalog=ctx.catalog, clock=ctx.clock)
        self.visits = VisitService(ctx.db, protector=ctx.protector, clock=ctx.clock)
        self.drafts = DraftService(
            ctx.db, catalog=ctx.catalog, protector=ctx.protector,
            records=OnBehalfRecords(records, agent.id if staff else None,
                                    person_id=None if staff else agent.id),
        )  # fmt: skip
        self.materials = DraftMaterials(
            ctx.db, drafts=self.drafts, storage=ctx.storage, max_bytes=max_bytes,
            max_pixels=max_pixels,
        )  # fmt: skip

    async def commit(self) -> None:
        """Commit now (before a replay record says the work is done)."""
        await self._ctx.db.commit()

    async def principal(self, key: UUID) -> Person:
        """The person ``key``, while an authorization naming this agent holds (else 404)."""
        person = await self._ctx.db.get(Person, key)
        if person is None or not await self.authorizations.active_for(self.who, key):
            raise NotFound
        return person

    async def start(self, visit_id: UUID, bundle_code: str) -> Draft:
        """The resident's open draft of the bundle, or a new one (scope: prepare)."""
        person = await self.principal(visit_id)
        await self.authorizations.require_agent(
            self.who, person.id, Scope.PREPARE, bundle_code, note=f"start {bundle_code}"
        )
        return await self.drafts.start(person, bundle_code, enterprise_id=None)

    async def draft(
        self, visit_id: UUID, draft_id: UUID, scope: Scope, *, note: str = ""
    ) -> tuple[Person, Draft]:
        """The resident's draft, once an authorization covers ``scope`` for its bundle."""
        person = await self.principal(visit_id)
        draft = await self.drafts.get(person, draft_id, enterprise_id=None)
        await self.authorizations.require_agent(
            self.who, person.id, scope, draft.bundle_code,
            note=f"draft {draft.id} {note}".strip(),
        )  # fmt: skip
        return person, draft

    async def open_drafts(self, visit_id: UUID) -> list[Draft]:
        """The resident's drafts of the bundles an active authorization lets the worker prepare."""
        person = await self.principal(visit_id)
        allowed = await self.allowed_bundles(person, Scope.PREPARE)
        mine = await self.drafts.mine(person, enterprise_id=None)
        return [d for d in mine if d.bundle_code in allowed]

    async def allowed_bundles(self, person: Person, scope: Scope) -> set[str]:
        """Bundles for which an active authorization of this worker names ``scope`` now."""
        found: set[str] = set()
        for authorization in await self.authorizations.active_for(self.who, person.id):
            if str(scope) in authorization.scopes:
                found.update(authorization.bundles)
        return found

    async def submit(
        self, visit_id: UUID, draft_id: UUID, *, delivery: str, address: str = "",
        commitment: bool = False, key: str,
    ) -> Application:  # fmt: skip
        """Submit for the resident (scope: submit), on the "field" channel.

        A replay (same key) after the draft was submitted returns the same application.
        """
        person = await self.principal(visit_id)
        draft = await self._ctx.db.get(Draft, draft_id)  # submitted or not: replays find it
        if draft is None or draft.person_id != person.id or draft.enterprise_id is not None:
            raise NotFound
        await self.authorizations.require_agent(
            self.who,
            person.id,
            Scope.SUBMIT,
            draft.bundle_code,
            note=f"draft {draft.id} submit",
        )
        submission = Submission(
            draft_id=draft.id, delivery=delivery, address=address, commitment=commitment,
            channel=Channel.FIELD if self.who.kind == "staff" else Channel.WEB,
        )  # fmt: skip
        submissions = Submissions(self._ctx, drafts=self.drafts, materials=self.materials)
        staff = self.who.kind == "staff"
        return await submissions.submit(
            person.id, submission, enterprise_id=None, key=key,
            agent_staff_id=self.agent.id if staff else None,
            agent_person_id=None if staff else self.agent.id,
        )  # fmt: skip

    async def applications(self, visit_id: UUID) -> list[Application]:
        """The resident's applications of bundles the worker may follow (scope: view_results)."""
        person = await self.principal(visit_id)
        allowed = await self.allowed_bundles(person, Scope.VIEW_RESULTS)
        rows = await self._ctx.db.scalars(
            select(Application)
            .where(Application.person_id == person.id, Application.enterprise_id.is_(None))
            .order_by(Application.submitted_at.desc())
        )
        return [a for a in rows if a.bundle_code in allowed]


class AssistedDesk(AgentDesk):
    """A field worker's acts for the resident of one of their visits."""

    agent: Staff

    def __init__(
        self, ctx: CaseContext, *, agent: Staff, records: RecordsService,
        max_bytes: int, max_pixels: int,
    ) -> None:  # fmt: skip
        super().__init__(ctx, agent=agent, records=records, max_bytes=max_bytes,
                         max_pixels=max_pixels)  # fmt: skip

    async def resident(self, visit_id: UUID) -> tuple[HomeVisit, Person]:
        """The worker's visit and its resident (404 for another worker's visit)."""
        visit = await self.visits.of_worker(self.agent, visit_id)
        person = await self._ctx.db.get(Person, visit.person_id)
        if person is None:
            raise NotFound
        return visit, person

    async def principal(self, key: UUID) -> Person:
        """The resident of the worker's visit ``key``."""
        return (await self.resident(key))[1]

    def _dispatch(self) -> tuple[VisitRequestService, Dispatch]:
        requests = VisitRequestService(
            self._ctx.db, protector=self._ctx.protector, catalog=self._ctx.catalog,
            clock=self._ctx.clock,
        )  # fmt: skip
        return requests, Dispatch(requests)

    async def visit_request(self, visit_id: UUID) -> tuple[VisitRequest, str] | None:
        """The request behind the worker's own visit and its address in clear.

        ``None`` for a visit scheduled without a request; 404 for another worker's visit (the
        address is unsealed for the assigned worker and the supervisor only).
        """
        await self.resident(visit_id)
        requests, dispatch = self._dispatch()
        found = (await dispatch.tablet_details([visit_id])).get(visit_id)
        return (found, requests.address_of(found)) if found is not None else None

    async def mark_visited(self, visit_id: UUID) -> None:
        """The worker says the visit took place: its request is closed, the visit is done.

        The same step as the supervisor's "visited" (``Dispatch.visited``), on the worker's
        own visit only; a visit without a request has nothing to close (404).
        """
        found = await self.visit_request(visit_id)
        if found is None:
            raise NotFound
        await self._dispatch()[1].visited(self.agent, found[0].id)
