"""Visit requests' form and service, shared by the resident's and the staff's pages."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist.areas import AREAS
from app.assist.request_models import Need, RequestKind, Slot
from app.assist.requests import RequestForm, VisitRequestService
from app.composition.runtime import Runtime
from app.records.sources import SubjectKind
from app.routes.shared.pages import NO_STORE, Repeated, listed

MINE = "/me/visit-requests"

STAFF_NEW = "/staff/visit-requests/new"

TIMES = 3  # preferred day + half-day pairs on the form

_FIELDS = ("kind", "address", "area", "bundle", "needs_other", "resident_name", "resident_phone")


class VisitRequestFields(msgspec.Struct, kw_only=True):
    """The request form as posted; every field may be missing (the service says what is)."""

    kind: str = ""
    address: str = ""
    area: str = ""
    bundle: str = ""
    needs: Repeated = msgspec.field(default_factory=list)
    needs_other: str = ""
    resident_name: str = ""
    resident_phone: str = ""
    # The preferred times, one day and half-day pair for each of the form's TIMES rows.
    day1: str = ""
    slot1: str = ""
    day2: str = ""
    slot2: str = ""
    day3: str = ""
    slot3: str = ""

    def parsed(self) -> tuple[RequestForm, dict[str, Any]]:
        """The request, and the raw values to re-render the form with."""
        raw: dict[str, Any] = {k: getattr(self, k) for k in _FIELDS}
        raw["needs"] = listed(self.needs)
        pairs = tuple((str(getattr(self, f"day{i}")), str(getattr(self, f"slot{i}")))
                      for i in range(1, TIMES + 1))  # fmt: skip
        raw.update({f"day{i}": d for i, (d, _) in enumerate(pairs, 1)})
        raw.update({f"slot{i}": s for i, (_, s) in enumerate(pairs, 1)})
        parsed = RequestForm(
            kind=raw["kind"], address=raw["address"], area=raw["area"], bundle=raw["bundle"],
            preferred=pairs, needs=tuple(raw["needs"]), needs_other=raw["needs_other"],
            resident_name=raw["resident_name"], resident_phone=raw["resident_phone"],
        )  # fmt: skip
        return parsed, raw


def provide_visit_requests(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> VisitRequestService:
    """Visit requests on the request's session."""
    return VisitRequestService(db_session, protector=runtime.protector,
                               catalog=runtime.catalog.catalog)  # fmt: skip


DEPENDENCIES = {"requests": Provide(provide_visit_requests, sync_to_thread=False)}


def parse_form(form: FormMultiDict) -> tuple[RequestForm, dict[str, Any]]:
    """The request form's fields read from a raw form (the staff desk's handler still does)."""
    times = [f"{name}{i}" for i in range(1, TIMES + 1) for name in ("day", "slot")]
    fields = VisitRequestFields(
        **{k: str(form.get(k, "")) for k in (*_FIELDS, *times)},
        needs=[str(n) for n in form.getall("needs", [])],
    )
    return fields.parsed()


def form_page(requests: VisitRequestService, template: str, status: int = 200,
              **context: Any) -> Template:  # fmt: skip
    """A request form (the resident's, a relative's, or staff's)."""
    bundles = [b for b in requests.catalog.bundles.values() if b.audience is SubjectKind.PERSON]
    return Template(
        template_name=f"assist/{template}.html",
        context={"errors": {}, "form": {}, "tab": "me", "areas": AREAS, "bundles": bundles,
                 "kinds": [str(k) for k in RequestKind], "slots": [str(s) for s in Slot],
                 "needs": [str(n) for n in Need], "times": TIMES, **context},
        status_code=status, headers=NO_STORE,
    )  # fmt: skip
