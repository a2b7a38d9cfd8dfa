"""我的 → verify my real name (level L2, matched with the population records)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app import errors
from app.identity.models import Person
from app.identity.real_name import RealNameService
from app.routes.shared.pages import FormBody, safe_next
from app.web.access import Access
from app.web.providers.identity import provide_real_name
from app.web.requests import client_ip


class RealNameForm(msgspec.Struct, kw_only=True):
    """The name and ID number as the person typed them."""

    name: str = ""
    id_number: str = ""
    next: str = "/me"  # where to go once verified (a guide that asked for it, say)


def _form(person: Person, status: int = 200, **context: Any) -> Template:
    # The ID number is never echoed back into the page: it is retyped after an error.
    return Template(
        template_name="account/real_name.html",
        context={
            "tab": "me",
            "errors": {},
            "message": None,
            "name": "",
            "level": person.real_name_level,
            "next": "/me",
            **context,
        },
        status_code=status,
    )


class RealNameController(Controller):
    """``/me/real-name``."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = {"real_name": Provide(provide_real_name, sync_to_thread=False)}  # noqa: RUF012

    @get("/me/real-name")
    async def form(self, person: NamedDependency[Person], next: FromQuery[str] = "/me") -> Template:
        """The form: name and ID number (``next``: where to go once verified)."""
        return _form(person, next=safe_next(next))

    @post("/me/real-name", status_code=303)
    async def verify(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[RealNameForm, FormBody], real_name: NamedDependency[RealNameService],
    ) -> Redirect | Template:  # fmt: skip
        """Match with the population records; on success 我的 (or ``next``) shows level L2."""
        ip, back = client_ip(request), safe_next(data.next)
        try:
            await real_name.verify_real_name(person, data.name, data.id_number, client_ip=ip)
        except errors.RateLimited as exc:
            return _form(person, 429, message=exc.message, name=data.name, next=back)
        except errors.RuleViolation as exc:
            message = None if exc.fields else exc.message
            return _form(person, 422, errors=exc.fields, message=message, name=data.name,
                         next=back)  # fmt: skip
        return Redirect(back, status_code=303)
