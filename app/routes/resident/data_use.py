"""Shared records as the person sees them: the data-use record (数据使用记录) on 我的."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Template

from app.identity.models import Person
from app.records.data_use import PAGE_SIZE
from app.records.service import RecordsService
from app.web.access import Access
from app.web.providers.records import provide_records


class DataUseController(Controller):
    """``/me/data-use``: who read which of my records, for what, and when."""

    include_in_schema = False
    dependencies = {"records": Provide(provide_records, sync_to_thread=False)}  # noqa: RUF012

    @get("/me/data-use", opt={"access": Access.PERSON}, name="data-use")
    async def data_use(
        self,
        person: NamedDependency[Person],
        records: NamedDependency[RecordsService],
        before: FromQuery[datetime | None] = None,
    ) -> Template:
        """The signed-in person's data-use record, newest first, a page at a time."""
        entries = await records.data_use(person, limit=PAGE_SIZE, before=before)
        older = entries[-1].accessed_at.isoformat() if len(entries) == PAGE_SIZE else None
        return Template(
            template_name="records/data_use.html",
            context={"tab": "me", "entries": entries, "older": older, "paged": before is not None},
        )
