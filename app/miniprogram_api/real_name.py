"""``/mp/v1/me/real-name``: verify my real name to level L2, as the page ``/me/real-name`` does.

The same service (``app/identity/real_name.py``): the name and ID number are matched with the
population records, at most five asks a day, every outcome in the security log. The number
travels only in the request body and is answered masked.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body

from app.composition.runtime import Runtime
from app.identity.models import Person, RealNameLevel
from app.identity.profile import summarize
from app.identity.real_name import ATTEMPTS_PER_DAY, NAME_MAX_LENGTH, RealNameService
from app.web.access import Access
from app.web.providers.identity import provide_real_name
from app.web.requests import client_ip
from app.web.subjects import required_bearer


class RealName(msgspec.Struct, kw_only=True, rename="camel"):
    """How sure we are who I am: L1 (phone), L2 (population records), L3 (in person)."""

    real_name_level: str
    verified: bool
    real_name: str | None
    masked_id_number: str | None
    attempts_per_day: int = ATTEMPTS_PER_DAY


class RealNameCreate(msgspec.Struct, kw_only=True, rename="camel"):
    """The name and ID number as written on the ID card."""

    name: Annotated[str, msgspec.Meta(max_length=4 * NAME_MAX_LENGTH)]
    id_number: Annotated[str, msgspec.Meta(max_length=64)]


def _body(person: Person, runtime: Runtime) -> RealName:
    summary = summarize(person, runtime.protector)
    return RealName(
        real_name_level=summary.real_name_level,
        verified=summary.real_name_level != RealNameLevel.PHONE,
        real_name=summary.real_name,
        masked_id_number=summary.masked_id_number,
    )


class RealNameApi(Controller):
    """Real-name verification through the mini-program."""

    path = "/me/real-name"
    tags = ["mini-program: me"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"real_name": Provide(provide_real_name, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def level(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> RealName:
        """My real-name level, and the masked ID number once verified."""
        return _body(await required_bearer(request), runtime)

    @post("/", status_code=200)
    async def verify(
        self, request: Request[Any, Any, Any], data: Annotated[RealNameCreate, Body()],
        real_name: NamedDependency[RealNameService], runtime: NamedDependency[Runtime],
    ) -> RealName:  # fmt: skip
        """Match with the population records: L2 on success; 422 with a message, 429 past the
        day's attempts, 503 while the records cannot be reached."""
        person = await real_name.verify_real_name(
            await required_bearer(request), data.name, data.id_number, client_ip=client_ip(request)
        )
        return _body(person, runtime)
