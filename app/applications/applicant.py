"""An applicant's own applications: list, detail, withdraw, supplement, resubmit.

Only the applicant sees an application: the person who applied for themself, or, while
acting for an enterprise, that enterprise's members (anyone else's answers 404). Files
added after submission are stored like the draft's (cleaned off the event loop, EXIF removed,
sealed at rest) beside them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from uuid import UUID, uuid4

import msgspec
from sqlalchemy import select

from app.applications.acceptance import accept_if_complete
from app.applications.case_models import Application, ApplicationEvent, SubCase
from app.applications.context import CaseContext
from app.applications.dispatch import sub_cases_of
from app.applications.drafts import DraftValues
from app.applications.history import move, move_sub_case, record
from app.applications.models import DraftUpload
from app.applications.states import Action, Actor, ApplicationState, IllegalTransition
from app.applications.uploads import clean_upload
from app.catalog.schema import Catalog
from app.errors import NotFound, RuleViolation
from app.i18n import N_

NOT_ASKED = N_("This material is not asked for now.")
MAX_FILES = 10
RESUMES_WITH_MATERIALS = N_(
    "This item resumes by itself once the materials you promised are uploaded."
)


class ApplicantCases:
    """The signed-in applicant's applications."""

    def __init__(self, ctx: CaseContext, *, max_bytes: int, max_pixels: int) -> None:
        self._ctx = ctx
        self._max_bytes = max_bytes
        self._max_pixels = max_pixels

    @property
    def catalog(self) -> Catalog:
        """The catalog the applications were made from (names of matters, for answers)."""
        return self._ctx.catalog

    async def mine(self, person_id: UUID, *, enterprise_id: UUID | None) -> Sequence[Application]:
        """The applicant's applications, the newest first."""
        owner = (
            (Application.person_id == person_id) & Application.enterprise_id.is_(None)
            if enterprise_id is None
            else Application.enterprise_id == enterprise_id
        )
        query = select(Application).where(owner).order_by(Application.submitted_at.desc())
        return (await self._ctx.db.scalars(query)).all()

    async def get(
        self, person_id: UUID, application_id: UUID, *, enterprise_id: UUID | None
    ) -> Application:
        """One of the applicant's applications; ``NotFound`` for anyone else's."""
        application = await self._ctx.db.get(Application, application_id)
        if application is None:
            raise NotFound
        if enterprise_id is None:
            mine = application.person_id == person_id and application.enterprise_id is None
        else:
            mine = application.enterprise_id == enterprise_id
        if not mine:
            raise NotFound
        return application

    async def sub_cases(self, application: Application) -> Sequence[SubCase]:
        """The application's sub-cases, in the order of its matters."""
        return await sub_cases_of(self._ctx, application)

    async def history(self, application: Application) -> Sequence[ApplicationEvent]:
        """Every event of the application, oldest first."""
        query = select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
        return (await self._ctx.db.scalars(query.order_by(ApplicationEvent.id))).all()

    async def uploads(self, application: Application) -> Sequence[DraftUpload]:
        """Every file of the application (from the draft and added since), oldest first."""
        query = select(DraftUpload).where(DraftUpload.draft_id == application.draft_id)
        return (await self._ctx.db.scalars(query.order_by(DraftUpload.created_at))).all()

    async def upload_of(self, application: Application, upload_id: UUID) -> DraftUpload:
        """One of the application's files; ``NotFound`` for anyone else's."""
        upload = await self._ctx.db.get(DraftUpload, upload_id)
        if upload is None or upload.draft_id != application.draft_id:
            raise NotFound
        return upload

    async def content(self, upload: DraftUpload) -> bytes:
        """The stored bytes of a file."""
        return await self._ctx.storage.get(upload.storage_key)

    def form(self, application: Application) -> DraftValues:
        """The form's values as submitted (unsealed)."""
        document = self._ctx.protector.unseal(
            application.sealed_form, context=f"application:{application.id}"
        )
        return msgspec.json.decode(document, type=DraftValues)

    def address(self, application: Application) -> str:
        """The mailing address, when results go by mail."""
        if application.sealed_address is None:
            return ""
        return self._ctx.protector.unseal(
            application.sealed_address, context=f"address:{application.id}"
        )

    async def withdraw(self, application: Application, actor: Actor) -> None:
        """Withdraw before acceptance (``IllegalTransition`` once accepted)."""
        move(self._ctx.db, application, Action.WITHDRAW, actor)
        await self._ctx.db.flush()

    async def wanted_materials(self, application: Application) -> dict[str, set[str]]:
        """Material code -> the matters asking for it now: all when returned for supplement,
        those promised (容缺), and those of matters whose reviewer asked for more."""
        catalog = self._ctx.catalog
        wanted: dict[str, set[str]] = {}
        supplementing = {
            c.matter_code for c in await self.sub_cases(application) if c.state == "supplement"
        }
        returned = application.state == ApplicationState.RETURNED
        for code in application.matter_codes:
            for material in catalog.matters[code].materials:
                if (
                    returned
                    or code in supplementing
                    or (
                        application.commitment_open
                        and material.code in application.deferred_materials
                    )
                ):
                    wanted.setdefault(material.code, set()).add(code)
        return wanted

    async def upload(
        self, application: Application, material_code: str, filename: str, data: bytes,
        actor: Actor,
    ) -> DraftUpload:  # fmt: skip
        """Add a file for a material asked for now; a promised one may fulfil the commitment."""
        field = f"material:{material_code}"
        if material_code not in await self.wanted_materials(application):
            raise RuleViolation(NOT_ASKED, fields={field: NOT_ASKED})
        existing = [u for u in await self.uploads(application) if u.material_code == material_code]
        if len(existing) >= MAX_FILES:
            raise RuleViolation(fields={field: N_("At most 10 files per material.")})
        # Decoding and re-encoding a photo takes tens of milliseconds: off the event loop.
        clean = await asyncio.to_thread(
            clean_upload, data, max_bytes=self._max_bytes, max_pixels=self._max_pixels, field=field
        )
        key = f"uploads/{uuid4()}"
        await self._ctx.storage.put(key, clean.data)
        upload = DraftUpload(
            draft_id=application.draft_id,
            material_code=material_code,
            filename=(filename.rsplit(".", 1)[0][:80] or material_code) + f".{clean.extension}",
            content_type=clean.content_type,
            size=len(clean.data),
            sha256=hashlib.sha256(clean.data).hexdigest(),
            storage_key=key,
        )
        self._ctx.db.add(upload)
        await self._ctx.db.flush()
        await self._fulfil_commitment(application, actor)
        return upload

    async def _fulfil_commitment(self, application: Application, actor: Actor) -> None:
        if not application.commitment_open or application.state != ApplicationState.ACCEPTED:
            return
        present = {u.material_code for u in await self.uploads(application)}
        if set(application.deferred_materials) <= present:
            application.commitment_fulfilled_at = self._ctx.clock.now()
            record(self._ctx.db, application, Action.COMMITMENT_FULFILLED, actor)
            # Items the lapse suspended resume now; a reviewer's own requests stay asked.
            for sub_case in await self.sub_cases(application):
                if sub_case.suspended:
                    self._resume(application, sub_case, actor)
            await self._ctx.db.flush()

    async def resubmit(self, application: Application, actor: Actor) -> None:
        """Send a returned application again; accepted at once when nothing is missing now."""
        move(self._ctx.db, application, Action.RESUBMIT, actor)
        present = {u.material_code for u in await self.uploads(application)}
        application.deferred_materials = [
            c for c in application.deferred_materials if c not in present
        ]
        application.submitted_at = self._ctx.clock.now()
        await self._ctx.db.flush()
        await accept_if_complete(self._ctx, application)

    async def send_supplement(
        self, application: Application, sub_case_id: UUID, actor: Actor, note: str = ""
    ) -> None:
        """The supplement a reviewer asked for is given: the clock runs again."""
        sub_case = next((c for c in await self.sub_cases(application) if c.id == sub_case_id), None)
        if sub_case is None:
            raise NotFound
        if sub_case.state != "supplement":
            raise IllegalTransition
        if sub_case.suspended and application.commitment_open:
            raise RuleViolation(RESUMES_WITH_MATERIALS)
        self._resume(application, sub_case, actor, note.strip()[:1000])
        await self._ctx.db.flush()

    def _resume(
        self, application: Application, sub_case: SubCase, actor: Actor, note: str = ""
    ) -> None:
        ctx = self._ctx
        move_sub_case(ctx.db, application, sub_case, Action.SUPPLEMENT, actor, note)
        sub_case.due_on = ctx.calendar.add_working_days(
            ctx.clock.today(), sub_case.days_left_when_paused or 0
        )
        sub_case.days_left_when_paused = None
