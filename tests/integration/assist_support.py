"""A small world for assisted-service tests: a test catalog reading one record, a resident
with records of their own, field workers, visits and authorizations, each step in its own
committed transaction (as separate requests would be)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import msgspec
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.applications.calendar import default_calendar
from app.applications.context import CaseContext, Clock
from app.assist.acting import AssistedDesk
from app.assist.authorizations import AuthorizationRequest, AuthorizationService
from app.assist.models import Authorization
from app.assist.visits import VisitRequest, VisitService
from app.catalog.schema import Catalog, RecordRef
from app.identity.models import PERSON_PHONE, Person
from app.protection import DataProtector
from app.records.exchange import DemoRecordExchange
from app.records.service import RecordsService
from app.sealed_files import SealedFiles
from app.staff.models import Staff
from app.staff.service import StaffCreate, StaffService
from app.storage import LocalFileStorage
from tests.integration import application_support as base
from tests.integration.records_support import new_id_number, new_phone, resident, write_records

BUNDLE = base.BUNDLE
ALL_SCOPES = ("prepare", "consent", "submit", "view_results")

# The test bundle, with the applicant's name read from the population record.
_NAME = msgspec.structs.replace(
    base.CATALOG.fields["applicant.name"], prefill=RecordRef(source="population", field="name")
)
OTHER_BUNDLE = "test-other"
CATALOG: Catalog = msgspec.structs.replace(
    base.CATALOG,
    fields={**base.CATALOG.fields, "applicant.name": _NAME},
    bundles={
        BUNDLE: base.CATALOG.bundles[BUNDLE],
        OTHER_BUNDLE: msgspec.structs.replace(base.CATALOG.bundles[BUNDLE], code=OTHER_BUNDLE),
    },
)


class AssistWorld:
    """The database, the protector, a clock and the records of this test's residents."""

    def __init__(self, sessionmaker: async_sessionmaker, protector: DataProtector,  # type: ignore[type-arg]
                 tmp_path: Path) -> None:  # fmt: skip
        self.sessionmaker = sessionmaker
        self.protector = protector
        self.clock = Clock()
        self.files = LocalFileStorage(tmp_path / "files")  # what is on disk
        self.storage = SealedFiles(self.files, protector)
        self.records_dir = tmp_path / "records"
        self.records_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def context(self) -> AsyncIterator[CaseContext]:
        """A fresh session in a transaction that commits when the block ends."""
        async with self.sessionmaker() as db, db.begin():
            yield CaseContext(
                db=db, catalog=CATALOG, protector=self.protector, calendar=default_calendar(),
                storage=self.storage, clock=self.clock,
            )  # fmt: skip

    def records(self, ctx: CaseContext) -> RecordsService:
        return RecordsService(ctx.db, DemoRecordExchange(self.records_dir), self.protector)

    @asynccontextmanager
    async def desk(self, worker: Staff) -> AsyncIterator[AssistedDesk]:
        """The worker's desk for one request."""
        async with self.context() as ctx:
            yield AssistedDesk(ctx, agent=worker, records=self.records(ctx), max_bytes=10**6,
                               max_pixels=10**6)  # fmt: skip

    async def resident(self, name: str = "王奶奶") -> tuple[Person, str]:
        """A verified resident (L2) with a population record; and their ID number."""
        id_number = new_id_number()
        write_records(self.records_dir, ("population", id_number, {"name": name}))
        async with self.context() as ctx:
            person = await resident(ctx.db, self.protector, phone=new_phone(), id_number=id_number,
                                    name=name)  # fmt: skip
        return person, id_number

    async def staff(self, role: str = "field_worker") -> Staff:
        async with self.context() as ctx:
            created = await StaffService(ctx.db, keyring=self.protector.keyring).create(
                StaffCreate(username=f"fw-{uuid4().hex[:8]}", display_name="上门员", role=role,
                            password="correct horse battery staple"), actor="test",
            )  # fmt: skip
            return created.staff

    async def visit(self, worker: Staff, person: Person, scheduler: Staff | None = None) -> UUID:
        """A visit today, scheduled by ``scheduler`` (a new supervisor by default)."""
        phone = self.protector.reveal(person.phone_ciphertext, PERSON_PHONE)
        scheduler = scheduler or await self.staff("supervisor")
        async with self.context() as ctx:
            visit = await VisitService(ctx.db, protector=self.protector, clock=self.clock).schedule(
                scheduler,
                VisitRequest(phone=phone, worker_id=str(worker.id),
                             day=self.clock.today().isoformat(), reason="elderly"),
            )  # fmt: skip
            assert visit is not None, "the resident has an account: the visit is made"
            return visit.id

    async def authorize(
        self, worker: Staff, person: Person, *, bundles: tuple[str, ...] = (BUNDLE,),
        scopes: tuple[str, ...] = ALL_SCOPES, days: int = 7, confirm: bool = True,
    ) -> Authorization:  # fmt: skip
        """Proposed by the worker; confirmed by the resident signed in (unless ``confirm``)."""
        async with self.context() as ctx:
            service = AuthorizationService(ctx.db, catalog=CATALOG, clock=self.clock)
            authorization = await service.propose(
                worker, person.id, AuthorizationRequest(bundles=bundles, scopes=scopes, days=days)
            )
            if confirm:
                await service.confirm_signed_in(person, authorization.id)
            return authorization

    async def revoke(self, person: Person, authorization_id: UUID) -> None:
        async with self.context() as ctx:
            await AuthorizationService(ctx.db, catalog=CATALOG, clock=self.clock).revoke(
                person, authorization_id
            )

    def days_later(self, days: int) -> None:
        """Move the clock forward."""
        self.clock.fixed = self.clock.now() + timedelta(days=days)
