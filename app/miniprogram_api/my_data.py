"""``/mp/v1/me/export`` and ``/mp/v1/me/data-use``: what is held about me, and who read it.

The same services as the pages ``/me/export`` (下载我的数据, PIPL art. 45) and
``/me/data-use`` (数据使用记录). The export is the document of the web download (its
``data/onething.json``), from the same ``ExportService``, answered as JSON: every table that
holds my data, by table name, rows by column name, ID and phone numbers always masked (the
pages' "show full numbers" re-authentication is not offered here), anyone else's id written
``other``, and without the uploaded files themselves (their rows are listed in
``draft_upload``). Each export is recorded in the audit chain, as on the web.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Controller, Request, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import FromQuery

from app.i18n import N_, current_locale
from app.i18n import gettext as _
from app.records.data_use import PAGE_SIZE, DataUseEntry
from app.records.models import AccessOutcome
from app.records.service import RecordsService
from app.spaces.export import ExportService
from app.web.access import Access
from app.web.providers.records import provide_records
from app.web.providers.spaces import provide_export
from app.web.subjects import required_bearer


class ExportSession(msgspec.Struct, kw_only=True, rename="camel"):
    """A web session of mine that is signed in now (times in ISO 8601)."""

    signed_in_at: str
    last_seen_at: str
    device: str


class DataExport(msgspec.Struct, kw_only=True, rename="camel"):
    """Everything the platform holds about me: ``tables`` by table name, each a list of rows
    keyed by column name (as in the web export's file; numbers masked)."""

    format: str
    exported_at: str
    numbers_in_full: bool
    sessions: list[ExportSession]
    tables: dict[str, list[dict[str, Any]]]


class DataUseEntryBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One read of one source of records about me: what, by whom, for what, with what result.

    ``readBy`` is ``you``, ``staff`` (by department, never by name) or ``agent`` (a relative
    or guardian acting for me, by name); ``readByLabel`` says it in the request's language.
    """

    accessed_at: datetime
    source: str
    source_label: str
    fields: list[str]
    field_labels: list[str]
    purpose: str
    outcome: str
    outcome_label: str
    read_by: str
    read_by_label: str
    staff_department: str | None
    agent_name: str | None
    enterprise_name: str | None


class DataUse(msgspec.Struct, kw_only=True, rename="camel"):
    """A page of my data-use record, newest first; ``older`` is the ``before`` of the next
    page (null on the last one)."""

    entries: list[DataUseEntryBody]
    older: datetime | None


_OUTCOMES = {
    AccessOutcome.FOUND: N_("Record found"),
    AccessOutcome.NOT_FOUND: N_("No record held"),
    AccessOutcome.UNAVAILABLE: N_("Source unavailable"),
}


def _reader(entry: DataUseEntry, locale: str) -> tuple[str, str]:
    department = entry.department_name(locale)
    if entry.agent_name:
        return "agent", _("Read by: %(name)s, acting for you", name=entry.agent_name)
    if entry.by_staff and department:
        return "staff", _("Read by: staff (%(department)s)", department=department)
    if entry.by_staff:
        return "staff", _("Read by: staff")
    return "you", _("Read by: you")


def _entry(entry: DataUseEntry, locale: str) -> DataUseEntryBody:
    read_by, read_by_label = _reader(entry, locale)
    return DataUseEntryBody(
        accessed_at=entry.accessed_at, source=entry.source,
        source_label=entry.source_label(locale), fields=list(entry.fields),
        field_labels=entry.field_labels(locale), purpose=entry.purpose_label,
        outcome=str(entry.outcome),
        outcome_label=_(_OUTCOMES[entry.outcome]),
        read_by=read_by, read_by_label=read_by_label,
        staff_department=entry.department_name(locale), agent_name=entry.agent_name,
        enterprise_name=entry.enterprise_name,
    )  # fmt: skip


class MyDataApi(Controller):
    """My data through the mini-program: the export and the data-use record."""

    path = "/me"
    tags = ["mini-program: me"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "exports": Provide(provide_export, sync_to_thread=False),
        "records": Provide(provide_records, sync_to_thread=False),
    }

    @get("/export", cache_control=CacheControlHeader(no_store=True))
    async def export(
        self, request: Request[Any, Any, Any], exports: NamedDependency[ExportService]
    ) -> DataExport:
        """Everything held about me, as the web's "download my data" gives it (numbers
        masked; uploaded files listed, not included); each export is audited."""
        document = await exports.recorded_document(await required_bearer(request), None)
        return DataExport(
            format=document["format"], exported_at=document["exported_at"],
            numbers_in_full=document["numbers_in_full"],
            sessions=[ExportSession(**session) for session in document["sessions"]],
            tables=document["tables"],
        )  # fmt: skip

    @get("/data-use")
    async def data_use(
        self, request: Request[Any, Any, Any], records: NamedDependency[RecordsService],
        before: FromQuery[datetime | None] = None,
    ) -> DataUse:  # fmt: skip
        """Who read which records about me, for what and when, newest first (a page at a
        time: pass ``older`` as ``before`` for the next; a moment without an offset is UTC)."""
        _refuse_other_parameters(request, "before")
        _refuse_a_number_for_a_moment(request.query_params.get("before"))
        entries = await records.data_use(await required_bearer(request), before=before)
        locale = current_locale()
        older = entries[-1].accessed_at if len(entries) == PAGE_SIZE else None
        return DataUse(entries=[_entry(e, locale) for e in entries], older=older)


# An ISO 8601 moment: a date, then optionally a time. Litestar would also read a bare number
# as seconds since 1970, which the document (``format: date-time``) does not allow.
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([Tt ].*)?")


def _refuse_a_number_for_a_moment(raw: str | None) -> None:
    if raw is not None and not _MOMENT.fullmatch(raw):
        message = _("This is not a date and time (for example 2026-12-07T10:00:00+08:00).")
        raise ValidationException(extra=[{"key": "before", "message": message}])


def _refuse_other_parameters(request: Request[Any, Any, Any], *taken: str) -> None:
    # A parameter the document does not list is refused, not ignored: a misspelt ``before``
    # would otherwise answer the first page as if it were the one asked for.
    # From the raw query: Litestar's parsed parameters leave out a pair without a name.
    sent = {name for name, _ in parse_qsl(request.scope["query_string"].decode("latin-1"),
                                          keep_blank_values=True)}  # fmt: skip
    unknown = sorted(sent - set(taken))
    if unknown:
        message = _("This parameter is not taken here.")
        raise ValidationException(extra=[{"key": name, "message": message} for name in unknown])
