"""A small catalog and a draft at its review, for application tests (services and pages).

The bundle "test-birth" has four matters in four departments (the certificate's result is
an e-license, the others' documents):

    certificate (health, 2 days)        insurance (medical-insurance, 5 days, photo may follow)
        └── household (public-security, 3 days)
              └── card (human-resources, 4 days, optional)
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.applications.calendar import CHINA, default_calendar
from app.applications.case_models import Application
from app.applications.context import CaseContext, Clock, Rules
from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import DraftService
from app.applications.models import Draft
from app.applications.submission import Submission, Submissions
from app.catalog.loader import LoadedCatalog, default_catalog, department_names
from app.catalog.schema import (
    Bundle,
    BundleMatter,
    Catalog,
    Delivery,
    FieldDef,
    FieldGroup,
    FieldKind,
    Level,
    Material,
    Matter,
    MatterKind,
    Result,
    Text,
)
from app.identity.models import Person
from app.identity.persons import find_or_create_by_phone
from app.protection import DataProtector
from app.records.service import RecordsService
from app.records.sources import SubjectKind
from app.sealed_files import SealedFiles
from app.storage import LocalFileStorage

BUNDLE = "test-birth"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _t(s: str) -> Text:
    return Text(zh=s, en=s)


def _matter(
    code: str, department: str, days: int, *materials: Material, license_type: str | None = None
) -> Matter:
    fields = ("applicant.name", "child.name") if license_type else ("applicant.name",)
    return Matter(
        code=code, name=Text(zh=f"事项{code}", en=f"Item {code}"), kind=MatterKind.CONFIRMATION,
        department=department, legal_basis=(_t("law"),), scope=_t("all"), level=Level.CITY,
        time_limit_days=days * 2, promised_days=days, steps=(_t("apply"),),
        conditions=(_t("none"),), materials=materials, fields=fields,
        result=Result(name=_t("result"), license_type=license_type,
                      delivery=(Delivery.ELECTRONIC, Delivery.MAIL)),
    )  # fmt: skip


BIRTH_PROOF = Material(code="birth-proof", name=Text(zh="出生证明", en="Birth proof"))
PHOTO = Material(code="photo", name=Text(zh="照片", en="Photo"), may_defer=True)

CATALOG = Catalog(
    groups={"applicant": FieldGroup(code="applicant", label=_t("Applicant"), order=1)},
    fields={
        "applicant.name": FieldDef(
            key="applicant.name", label=_t("Name"), kind=FieldKind.TEXT, group="applicant"
        ),
        "child.name": FieldDef(
            key="child.name", label=_t("Baby's name"), kind=FieldKind.TEXT, group="applicant"
        ),
    },
    matters={
        "certificate": _matter(
            "certificate", "health", 2, BIRTH_PROOF, license_type="birth-medical-certificate"
        ),
        "household": _matter("household", "public-security", 3, BIRTH_PROOF),
        "insurance": _matter("insurance", "medical-insurance", 5, PHOTO),
        "card": _matter("card", "human-resources", 4),
    },
    bundles={
        BUNDLE: Bundle(
            code=BUNDLE,
            name=Text(zh="出生一件事(测试)", en="A birth (test)"),
            audience=SubjectKind.PERSON,
            summary=_t("test"),
            lead_department="health",
            origins=(),
            matters=(
                BundleMatter(matter="certificate"),
                BundleMatter(matter="household", depends_on=("certificate",)),
                BundleMatter(matter="insurance"),
                BundleMatter(matter="card", optional=True, depends_on=("household",)),
            ),
        )
    },
    origins={},
)


def loaded_catalog() -> LoadedCatalog:
    """The test catalog as the runtime holds one (for apps under test)."""
    return LoadedCatalog(
        catalog=CATALOG, licenses=default_catalog().licenses, departments=department_names()
    )


def at(day: date, hour: int = 10) -> datetime:
    """A moment on ``day`` in China, as the clock gives it (UTC)."""
    return datetime.combine(day, time(hour), tzinfo=CHINA).astimezone(UTC)


def new_phone() -> str:
    """A fresh mainland mobile number (the database is shared by the session)."""
    return f"139{random.randrange(10**8):08d}"  # noqa: S311 (test data)


class Desk:
    """A person, a clock and the services on one session (tests create one per step)."""

    def __init__(self, sessionmaker: async_sessionmaker, protector: DataProtector,  # type: ignore[type-arg]
                 storage_dir: Path, clock: Clock, rules: Rules | None = None) -> None:  # fmt: skip
        self.sessionmaker = sessionmaker
        self.protector = protector
        self.files = LocalFileStorage(storage_dir)  # what is on disk
        self.storage = SealedFiles(self.files, protector)
        self.clock = clock
        self.rules = rules or Rules()

    @asynccontextmanager
    async def context(self) -> AsyncIterator[CaseContext]:
        """A fresh session in a transaction that commits when the block ends."""
        async with self.sessionmaker() as db, db.begin():
            yield CaseContext(
                db=db, catalog=CATALOG, protector=self.protector, calendar=default_calendar(),
                storage=self.storage, rules=self.rules, clock=self.clock,
                license_types=default_catalog().licenses,
            )  # fmt: skip

    def services(self, ctx: CaseContext) -> tuple[DraftService, DraftMaterials]:
        drafts = DraftService(
            ctx.db, catalog=CATALOG, protector=self.protector,
            records=RecordsService(ctx.db, None, self.protector),
        )  # fmt: skip
        materials = DraftMaterials(
            ctx.db, drafts=drafts, storage=self.storage, max_bytes=10**6, max_pixels=10**6
        )
        return drafts, materials

    async def person(self, phone: str = "") -> Person:
        """The person with ``phone`` (a new one without)."""
        async with self.context() as ctx:
            return await find_or_create_by_phone(ctx.db, self.protector, phone or new_phone())

    async def draft(
        self, person: Person, *, uploads: tuple[str, ...] = ("birth-proof", "photo"),
        leave_out: tuple[str, ...] = (),
    ) -> Draft:  # fmt: skip
        """A draft of the test bundle at its review, with files for ``uploads``."""
        async with self.context() as ctx:
            drafts, materials = self.services(ctx)
            draft = await drafts.start(person, BUNDLE, enterprise_id=None)
            await drafts.answer(draft, {}, list(leave_out))
            await drafts.acknowledge_notice(draft)
            await drafts.save_values(
                draft, {"applicant.name": "张三", "child.name": "张小宝"}, complete=True
            )
            for code in uploads:
                await materials.upload(draft, code, f"{code}.pdf", PDF)
            await materials.finish(draft)
            return draft

    async def submit(
        self, person: Person, draft: Draft, key: str = "", **extra: object
    ) -> Application:
        """Submit the draft (a fresh key unless one is given)."""
        async with self.context() as ctx:
            drafts, materials = self.services(ctx)
            fields: dict[str, object] = {"delivery": "electronic", **extra}
            submission = Submission(draft_id=draft.id, **fields)  # type: ignore[arg-type]
            return await Submissions(ctx, drafts=drafts, materials=materials).submit(
                person.id, submission, enterprise_id=None,
                key=key or f"key-{uuid4().hex}",  # hex: no run of digits reads as a phone
            )  # fmt: skip


def next_day(day: date, days: int = 1) -> date:
    return day + timedelta(days=days)


def engine_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)


def assert_downloaded(answer: httpx.Response) -> None:
    """A stored file is served as a download, never sniffed, never cached (issue 18)."""
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "private, no-store"
