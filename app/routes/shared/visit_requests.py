"""Visit requests' form and service, shared by the resident's and the staff's pages."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist.areas import AREAS
from app.assist.request_models import Need, RequestKind, Slot
from app.assist.requests import RequestForm, VisitRequestService
from app.composition.runtime import Runtime
from app.records.sources import SubjectKind
from app.routes.shared.pages import NO_STORE, Repeated, repeated

MINE = "/me/visit-requests"

STAFF_NEW = "/staff/visit-requests/new"

TIMES = 3  # preferred day + half-day pairs on the form (day1/slot1 … in VisitRequestFields)


def provide_visit_requests(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> VisitRequestService:
    """Visit requests on the request's session."""
    return VisitRequestService(db_session, protector=runtime.protector,
                               catalog=runtime.catalog.catalog)  # fmt: skip


DEPENDENCIES = {"requests": Provide(provide_visit_requests, sync_to_thread=False)}


class VisitRequestFields(msgspec.Struct, kw_only=True):
    """The request form as posted: every field may be missing (the service says what is
    needed), ``needs`` are the ticked boxes, and ``day<i>``/``slot<i>`` the TIMES pairs."""

    kind: str = ""
    address: str = ""
    area: str = ""
    bundle: str = ""
    needs: Repeated = msgspec.field(default_factory=list)
    needs_other: str = ""
    resident_name: str = ""
    resident_phone: str = ""
    day1: str = ""
    slot1: str = ""
    day2: str = ""
    slot2: str = ""
    day3: str = ""
    slot3: str = ""


def parse(data: VisitRequestFields) -> tuple[RequestForm, dict[str, Any]]:
    """The request, and the values as typed to re-render the form with."""
    raw: dict[str, Any] = msgspec.structs.asdict(data)
    raw["needs"] = repeated(data.needs)
    pairs = tuple((raw[f"day{i}"], raw[f"slot{i}"]) for i in range(1, TIMES + 1))
    parsed = RequestForm(
        kind=data.kind, address=data.address, area=data.area, bundle=data.bundle,
        preferred=pairs, needs=tuple(raw["needs"]), needs_other=data.needs_other,
        resident_name=data.resident_name, resident_phone=data.resident_phone,
    )  # fmt: skip
    return parsed, raw


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
