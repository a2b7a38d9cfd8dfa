"""The authorization matrix, generated from the route table (issue 9).

Every route that names an object by id is called by every kind of principal with the ids of
one resident's real objects, and again with ids that exist nowhere. Only the owner (or the
member of staff whose duty the object is) may tell the two apart: for everyone else both
calls must answer alike — same status, same body once the ids are blanked — which is how
"another person's object answers 404, with the same body as a missing one" is checked without
a hand-kept list. A new route with a new kind of id fails here until the world below holds
an object for it, or `NOT_BUILT` says why it is covered elsewhere.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.applications.case_models import SubCase
from app.applications.context import Clock
from app.applications.models import DraftUpload
from app.assist.authorizations import AuthorizationService
from app.assist.relatives import RelativeRequest, Relatives
from app.assist.requests import RequestForm, VisitRequestService
from app.composition.runtime import Runtime
from app.identity.models import PERSON_PHONE
from app.notices.models import Notice
from app.wallet.service import Holder
from app.web.access import Access, access_of
from tests.conftest import csrf_token, forget_code_cooldown, in_app, sign_in_as
from tests.integration.application_support import BUNDLE as DESK_BUNDLE
from tests.integration.application_support import Desk
from tests.integration.assist_support import ALL_SCOPES, BUNDLE, AssistWorld
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.staff_support import create_staff, sign_in_staff
from tests.integration.wallet_support import enterprise_of, issue, new_phone

Client = AsyncTestClient[Litestar]

# Path parameters that are not object ids get one plausible value each.
PLAIN_VALUES = {"code": "birth-proof", "decision": "approve", "answer": "cancel",
                "action": "cancel"}  # fmt: skip
# Ids of objects this world does not build, and where their owner-only access is tested.
NOT_BUILT = {
    "account_id": "test_account.py and, for /mp/v1, test_mp_account.py (unbinding another"
    " person's account is 404)",
    "consent_id": "test_oidc.py (withdrawing another person's consent) and, for /mp/v1,"
    " test_mp_parity.py (another person's consent is 404, as a missing one)",
    "passkey_id": "test_passkeys.py (removing another person's passkey)",
    "offer_id": "test_benefits.py and, for /mp/v1, test_mp_account.py (another person's offer"
    " is 404)",
    "complaint_id": "supervisors answer every complaint: no owner to tell apart",
    "confirmation_id": "supervisors check every in-person confirmation: no owner to tell apart"
    " (other staff get 404: test_assist_confirmation.py)",
}
# Owner pages this check cannot open as they are: a stream that never ends (see
# test_notice_pages.py) and a form that needs ?field= of a pre-filled value (test_drafts.py).
OWNER_SKIPS = ("/live", "/corrections")
# Object ids and request ids (with or without dashes) differ by call, not by access.
_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_NOISE = re.compile(r'(nonce|_csrf_token|csrf)[^"\']*["\'][^"\']*["\']|"requestId":"[^"]*"')


@dataclass
class Principal:
    """Someone who calls: how they sign in, and which routes are theirs by duty."""

    name: str
    sign_in: Callable[[Client], Awaitable[dict[str, str]]]
    duty: set[Access] = field(default_factory=set)
    only: tuple[str, ...] = ("",)  # path prefixes: where this principal is not the owner


@dataclass
class World:
    """One resident's objects (ids by path parameter name) and everybody else."""

    ids: dict[str, UUID]
    owner: Principal
    others: list[Principal]


def _routes(app: Litestar) -> list[tuple[str, str, Access]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or ":uuid}" not in route.path:
            continue
        for handler in route.route_handlers:
            access = access_of(handler)
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                if access is not None:
                    found.append((method, route.path, access))
    return sorted(found, key=lambda r: (r[1], r[0]))


def _path(template: str, ids: dict[str, UUID]) -> str:
    # A file of a submitted application is one of its draft's uploads, not the open draft's.
    case = "application_id" in template or "sub_case_id" in template

    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if kind != "uuid":
            return PLAIN_VALUES[name]
        return str(ids[f"{name}@case"] if case and f"{name}@case" in ids else ids[name])

    return re.sub(r"\{(\w+):(\w+)\}", value, template)


def _params(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+):uuid\}", template))


async def _call(client: Client, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    if path.startswith("/mp/"):
        answer = await client.request(method, path, headers=headers, json={})
    elif method == "GET":
        answer = await client.get(path, headers=headers, follow_redirects=False)
    else:
        data = {"_csrf_token": await csrf_token(client)}
        answer = await client.request(
            method, path, headers=headers, data=data, follow_redirects=False
        )
    where = answer.headers.get("location", "")
    return answer.status_code, _ID.sub("<id>", _NOISE.sub("", where + answer.text))


def _difference(real: str, absent: str) -> list[str]:
    lines = difflib.unified_diff(absent.splitlines(), real.splitlines(), "missing", "real", n=0)
    return [f"    {line[:200]}" for line in list(lines)[:12]]


async def _world(client: Client, tmp_path: Any) -> World:
    runtime: Runtime = client.app.state.runtime
    desk = Desk(runtime.sessionmaker, runtime.protector, runtime.settings.var_dir / "files",
                Clock())  # fmt: skip
    assist = AssistWorld(runtime.sessionmaker, runtime.protector, tmp_path)
    owner_phone, other_phone, agent_phone = new_phone(), new_phone(), new_phone()

    async def objects() -> dict[str, UUID]:
        person = await desk.person(owner_phone)
        await desk.person(agent_phone)  # a representative must have an account
        submitted = await desk.submit(person, await desk.draft(person))
        draft = await desk.draft(person)  # an open one: one per bundle, so after the submission
        worker = await assist.staff()
        visit = await assist.visit(worker, person)
        authorization = await assist.authorize(worker, person)
        async with runtime.sessionmaker() as db, db.begin():
            asked = await VisitRequestService(
                db, protector=runtime.protector, catalog=runtime.catalog.catalog
            ).ask_for_self(person, RequestForm(
                kind="home_visit", address="测试路一号三楼", area="yuelu-juzizhou",
                bundle=DESK_BUNDLE, preferred=((Clock().today().isoformat(), "am"),),
            ))  # fmt: skip
        async with runtime.sessionmaker() as db:
            upload = await db.scalar(select(DraftUpload.id).where(DraftUpload.draft_id == draft.id))
            filed = await db.scalar(
                select(DraftUpload.id).where(DraftUpload.draft_id == submitted.draft_id)
            )
            sub_case = await db.scalar(
                select(SubCase).where(SubCase.application_id == submitted.id)
            )
            notice = await db.scalar(select(Notice.id).where(Notice.application_id == submitted.id))
        assert upload
        assert filed
        assert sub_case
        assert notice
        return {
            "person": person.id, "draft_id": draft.id, "upload_id": upload,
            "upload_id@case": filed,
            "application_id": submitted.id, "sub_case_id": sub_case.id,
            "department": sub_case.department_code, "notice_id": notice, "visit_id": visit,
            "authorization_id": authorization.id, "worker": worker.username,
            "request_id": asked.id,
        }  # type: ignore[dict-item]  # fmt: skip

    made: dict[str, Any] = await in_app(client, objects)
    enterprise_id, _, _ = await enterprise_of(client, owner_phone)
    other_enterprise, _, _ = await enterprise_of(client, agent_phone)
    license_ = await issue(client, Holder.person(made["person"]), source_ref=f"m:{uuid4()}")
    ids = {k: v for k, v in made.items() if isinstance(v, UUID)}
    ids |= {"license_id": license_.id, "enterprise_id": enterprise_id,
            "person_id": made["person"]}  # fmt: skip

    # A field worker authorized by somebody else, on a visit of theirs.
    async def other_worker() -> str:
        someone, _ = await assist.resident("李爷爷")
        worker = await assist.staff()
        await assist.visit(worker, someone)
        await assist.authorize(worker, someone)
        return worker.username

    authorized_elsewhere = await in_app(client, other_worker)

    # A relative authorized by somebody else, acting for them (the choice made in the session).
    async def other_relative() -> tuple[str, UUID]:
        someone, _ = await assist.resident("李爷爷")
        relative, _ = await assist.resident("李小明")
        phone = runtime.protector.reveal(relative.phone_ciphertext, PERSON_PHONE)
        async with assist.context() as ctx:
            service = AuthorizationService(ctx.db, catalog=ctx.catalog, clock=ctx.clock)
            await Relatives(ctx.db, authorizations=service, protector=runtime.protector).grant(
                someone, RelativeRequest(phone=phone, name="李小明", bundles=(BUNDLE,),
                                         scopes=ALL_SCOPES),
            )  # fmt: skip
        return phone, someone.id

    relative_phone, relatives_principal = await in_app(client, other_relative)
    bystander = (await create_staff(client, role="field_worker")).username
    reviewer = (
        await create_staff(client, role="reviewer", department_code=made["department"])
    ).username
    far_reviewer = (
        await create_staff(client, role="reviewer", department_code="civil-affairs")
    ).username
    staff = {role: (await create_staff(client, role=role)).username
             for role in ("window_clerk", "supervisor", "administrator")}  # fmt: skip

    def resident(phone: str, acting: UUID | None = None) -> Callable[[Client], Awaitable[Any]]:
        async def go(c: Client) -> dict[str, str]:
            await forget_code_cooldown(c, phone)
            headers = await bearer(c, phone)
            await forget_code_cooldown(c, phone)
            await sign_in_as(c, phone)
            if acting is not None:
                await c.post("/me/acting-as", data={"enterprise_id": str(acting),
                             "_csrf_token": await csrf_token(c)})  # fmt: skip
                headers["X-Acting-For"] = str(acting)
            return headers

        return go

    def relative_of(phone: str, principal: UUID) -> Callable[[Client], Awaitable[Any]]:
        async def go(c: Client) -> dict[str, str]:
            headers: dict[str, str] = await resident(phone)(c)
            chosen = await c.post("/me/acting-for/switch", data={
                "principal": str(principal), "_csrf_token": await csrf_token(c)},
                follow_redirects=False)  # fmt: skip
            assert chosen.status_code == 303, chosen.text
            return headers

        return go

    def member_of_staff(username: str) -> Callable[[Client], Awaitable[dict[str, str]]]:
        async def go(c: Client) -> dict[str, str]:
            await sign_in_staff(c, username, steps_ahead=_steps(username))
            return {}

        return go

    used: dict[str, int] = {}

    def _steps(username: str) -> int:  # a TOTP code is used once per account
        used[username] = used.get(username, -1) + 1
        return used[username]

    async def anonymous(_: Client) -> dict[str, str]:
        return {}

    async def owner_claiming_a_foreign_enterprise(c: Client) -> dict[str, str]:
        # The mini-program's X-Acting-For names an enterprise the owner is no member of: what
        # an applicant owns (drafts, applications, licenses) must not fall back to the owner's
        # own. The inbox and the owner's enterprises are theirs whatever the header says, and
        # pages have no such header.
        await forget_code_cooldown(c, owner_phone)
        return {**await bearer(c, owner_phone), "X-Acting-For": str(other_enterprise)}

    field_duty = {Access.STAFF_FIELD_WORKER}
    return World(
        ids=ids,
        owner=Principal("owner", resident(owner_phone), {Access.PERSON, Access.BEARER_PERSON}),
        others=[
            Principal("another resident", resident(other_phone)),
            Principal(
                "another enterprise's representative", resident(agent_phone, other_enterprise)
            ),
            Principal("field worker without authorization", member_of_staff(bystander)),
            Principal(
                "field worker authorized by someone else", member_of_staff(authorized_elsewhere)
            ),
            Principal(
                "a relative authorized by someone else",
                relative_of(relative_phone, relatives_principal),
            ),
            Principal("the visit's own field worker", member_of_staff(made["worker"]), field_duty),
            Principal(
                "reviewer of the matter's department",
                member_of_staff(reviewer),
                {Access.STAFF_REVIEWER},
            ),
            Principal("reviewer of another department", member_of_staff(far_reviewer)),
            Principal(
                "window clerk", member_of_staff(staff["window_clerk"]), {Access.STAFF_WINDOW_CLERK}
            ),
            Principal(
                "supervisor", member_of_staff(staff["supervisor"]), {Access.STAFF_SUPERVISOR}
            ),
            Principal("administrator", member_of_staff(staff["administrator"])),
            Principal("anonymous", anonymous),
            Principal(
                "the owner acting for an enterprise they are no member of",
                owner_claiming_a_foreign_enterprise,
                only=("/mp/v1/drafts", "/mp/v1/applications", "/mp/v1/licenses"),
            ),
        ],
    )


async def test_only_the_owner_tells_a_real_object_from_a_missing_one(
    apps: Client, tmp_path: Any
) -> None:
    client = apps  # the test catalog's bundle
    routes = _routes(client.app)
    unknown = {p for _, path, _ in routes for p in _params(path)} - set(NOT_BUILT)
    world = await _world(client, tmp_path)
    assert unknown <= set(world.ids), f"build an object for {unknown - set(world.ids)}"
    checked = [(m, p, a) for m, p, a in routes if not _params(p) & set(NOT_BUILT)]
    missing = {name: uuid4() for name in world.ids}

    leaks = []
    for principal in world.others:
        client.cookies.clear()
        headers = await principal.sign_in(client)
        for method, template, access in checked:
            if access in principal.duty or not template.startswith(principal.only):
                continue  # their duty: telling it apart is the point (tested in their pages)
            real = await _call(client, method, _path(template, world.ids), headers)
            absent = await _call(client, method, _path(template, missing), headers)
            if real != absent or real[0] < 300:
                leaks.append(f"{principal.name}: {method} {template} -> {real[0]} vs {absent[0]}")
                if len(leaks) == 1:
                    leaks.extend(_difference(real[1], absent[1]))
    assert not leaks, "\n".join(leaks)

    # Nothing the others sent changed the owner's objects: the owner still sees each one.
    client.cookies.clear()
    headers = await world.owner.sign_in(client)
    for method, template, access in checked:
        if method != "GET" or access not in world.owner.duty or template.endswith(OWNER_SKIPS):
            continue
        status, _ = await _call(client, method, _path(template, world.ids), headers)
        assert status in (200, 302, 303), f"owner: GET {template} -> {status}"
