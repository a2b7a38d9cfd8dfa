"""The person a bearer token stands for, on the ``/mp/v1`` operations that act for themselves."""

from __future__ import annotations

from typing import Any

from litestar import Request

from app import errors
from app.identity.models import Person
from app.web.subjects import bearer_person


async def person_of(request: Request[Any, Any, Any]) -> Person:
    """The bearer's person; the guard has already required one (else 401)."""
    person = await bearer_person(request)
    if person is None:
        raise errors.Unauthenticated
    return person
