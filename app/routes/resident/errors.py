"""How the resident pages answer an error: as every page does, except for a submitted draft.

A draft that became an application is gone as a draft, but a resident still reaches it: the
review page left open in a second tab, the browser's Back button, an autosave still under
way, a second press of "submit". The services name the application in the refusal
(``application_id``); here, and only for the resident's own pages, it becomes a redirect to
that application, whose page says it was submitted.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect

from app import errors
from app.web.problems import handle_page_exception, wants_json


def submitted_application_url(application_id: UUID) -> str:
    """The page of the application a draft became, saying that it was submitted."""
    return f"/me/applications/{application_id}?submitted=1"


def handle_resident_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The error page (``handle_page_exception``), or the application a draft became."""
    made = exc.details.get("application_id") if isinstance(exc, errors.DomainError) else None
    if isinstance(made, UUID) and not wants_json(request):
        target = submitted_application_url(made)
        if request.headers.get("hx-request"):  # an autosave or a fragment: the whole page moves
            return ClientRedirect(target)
        return Redirect(target, status_code=303)
    return handle_page_exception(request, exc)
