"""Staff sign-in (password, then TOTP code), the staff home page and staff sign-out."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app import errors
from app.composition.runtime import Runtime
from app.identity.sessions import SESSION_COOKIE
from app.identity.sign_in import SecurityLog
from app.routes.shared.pages import NO_STORE, FormBody, safe_next, session_cookie
from app.staff.models import Staff
from app.staff.sign_in import StaffSignInService
from app.web.access import Access
from app.web.requests import client_ip

STAFF_HOME = "/staff"


class SignInForm(msgspec.Struct, kw_only=True):
    """Both steps post here: step 1 sends username and password; step 2 the pending token
    (from step 1) and the code. One address, so every refusal is the very same page."""

    username: str = ""
    password: str = ""
    pending: str = ""
    code: str = ""
    next: str = STAFF_HOME


def provide_staff_sign_in(runtime: NamedDependency[Runtime]) -> StaffSignInService:
    """The staff sign-in service (it commits its own writes)."""
    return StaffSignInService(
        runtime.sessionmaker,
        runtime.redis,
        sessions=runtime.sessions,
        keyring=runtime.protector.keyring,
        security_log=SecurityLog(runtime.sessionmaker),
    )


def staff_next(target: str) -> str:
    """Only staff pages of this site: a resident page would just ask to sign in again."""
    target = safe_next(target)
    return target if target == STAFF_HOME or target.startswith(STAFF_HOME + "/") else STAFF_HOME


def _page(name: str, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=f"staff/{name}.html",
        context={"errors": {}, "message": None, **context},
        status_code=status,
        headers=NO_STORE,
    )


def _refused(next_: str, message: str) -> Template:
    # Every refusal is this one page: same status, same words, nothing typed echoed back.
    return _page("sign_in", 422, next=staff_next(next_), message=message)


class StaffSignInController(Controller):
    """``/staff/sign-in`` (two steps), ``/staff`` and ``/staff/sign-out``."""

    include_in_schema = False
    dependencies = {  # noqa: RUF012
        "staff_sign_in": Provide(provide_staff_sign_in, sync_to_thread=False)
    }

    @get("/staff/sign-in", opt={"access": Access.PUBLIC}, name="staff-sign-in")
    async def password_form(self, next: FromQuery[str] = STAFF_HOME) -> Template:
        """Step 1: ask for username and password."""
        return _page("sign_in", next=staff_next(next))

    @post("/staff/sign-in", opt={"access": Access.PUBLIC}, status_code=200)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[SignInForm, FormBody],
        staff_sign_in: NamedDependency[StaffSignInService],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        """Step 1 checks the password and asks for the code (the first time, enrols the app);
        step 2 checks the code and starts a fresh staff session."""
        try:
            if not data.pending:
                accepted = await staff_sign_in.check_password(
                    data.username, data.password, client_ip=client_ip(request)
                )
                return _page("code", next=staff_next(data.next), accepted=accepted)
            staff = await staff_sign_in.check_code(
                data.pending, data.code, client_ip=client_ip(request)
            )
        except errors.RuleViolation as exc:
            return _refused(data.next, exc.message)
        token = await staff_sign_in.start_session(
            staff,
            replacing=request.cookies.get(SESSION_COOKIE),
            device=request.headers.get("user-agent", ""),
        )
        return Redirect(
            staff_next(data.next), status_code=303, cookies=[session_cookie(token, runtime)]
        )

    @get(STAFF_HOME, opt={"access": Access.STAFF}, name="staff-home")
    async def home(self, staff: NamedDependency[Staff]) -> Template:
        """The staff home page: who is signed in, and what they can open."""
        return _page("home", staff=staff)

    @post("/staff/sign-out", opt={"access": Access.STAFF}, status_code=303)
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[Staff],
        staff_sign_in: NamedDependency[StaffSignInService],
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        """End this staff session."""
        await staff_sign_in.sign_out(
            staff,
            request.cookies.get(SESSION_COOKIE, ""),
            client_ip=client_ip(request),
        )
        return Redirect(
            "/staff/sign-in",
            status_code=303,
            cookies=[session_cookie("", runtime, clear=True)],
        )
