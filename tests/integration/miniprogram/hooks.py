"""What the departments do, for the reference mini-program's page tests (test only).

The Node tests play the applicant through the pages; a reviewer's decision has no page in the
mini-program. This serves a few loopback routes that take it through the reviewer's own
service (``ReviewDesk``) on the served app's loop, the way
``tests/integration/miniprogram_api/test_mp_newborn_journey.py`` approves:

- ``POST /approve {applicationId}``: each department approves its item as it comes up;
  answers ``{state}`` (the application's, ``finished`` once every item is approved);
- ``POST /ask-supplement {applicationId, reasons}``: the first item in review asks the
  applicant for more; answers ``{matterCode}``;
- ``POST /return {applicationId, reasons}``: the window returns a submitted application for
  supplement (补正, ``WindowDesk``); answers ``{state}``;
- ``POST /add-agent {creditCode, phone}``: the enterprise's legal representative adds the
  person with this phone (signed in once) as its agent (经办人), through
  ``EnterpriseService`` as the members page would — the mini-program has no members page, and
  signing the demo legal representative in from a second test file would ask for a second SMS
  code within the minute; answers ``{enterpriseId}``.

Node finds the routes at ``ONETHING_MP_TEST_HOOKS_URL``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.acceptance import WindowDesk
from app.applications.case_models import Application, SubCase
from app.applications.context import CaseContext
from app.applications.review import ReviewDesk
from app.applications.states import Actor
from app.composition.runtime import Runtime
from app.enterprises.models import Enterprise
from app.enterprises.service import EnterpriseService
from tests.serving import ServedApp

REVIEWER = Actor.staff(UUID(int=16))
Hook = Callable[[dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]


def _context(runtime: Runtime, db: AsyncSession) -> CaseContext:
    return CaseContext(
        db=db, catalog=runtime.catalog.catalog, protector=runtime.protector,
        calendar=runtime.calendar, storage=runtime.storage, rules=runtime.rules,
        license_types=runtime.catalog.licenses,
    )  # fmt: skip


async def _next_in_review(db: AsyncSession, application_id: UUID) -> SubCase | None:
    query = select(SubCase).where(SubCase.application_id == application_id,
                                  SubCase.state == "in_review")  # fmt: skip
    return await db.scalar(query.order_by(SubCase.created_at).limit(1))


def _hooks(runtime: Runtime) -> dict[str, Hook]:
    async def approve(body: dict[str, Any]) -> dict[str, Any]:
        application_id = UUID(body["applicationId"])
        while True:
            async with runtime.sessionmaker() as db, db.begin():
                application = await db.get(Application, application_id)
                assert application is not None, "no such application"
                case = await _next_in_review(db, application_id)
                if case is None:
                    return {"state": str(application.state)}
                await ReviewDesk(_context(runtime, db)).approve(case, application, REVIEWER)

    async def ask_supplement(body: dict[str, Any]) -> dict[str, Any]:
        application_id = UUID(body["applicationId"])
        async with runtime.sessionmaker() as db, db.begin():
            application = await db.get(Application, application_id)
            case = await _next_in_review(db, application_id)
            assert application is not None, "no such application"
            assert case is not None, "nothing in review"
            desk = ReviewDesk(_context(runtime, db))
            await desk.ask_supplement(case, application, REVIEWER, body["reasons"])
            return {"matterCode": case.matter_code}

    async def return_for_supplement(body: dict[str, Any]) -> dict[str, Any]:
        async with runtime.sessionmaker() as db, db.begin():
            desk = WindowDesk(_context(runtime, db))
            application = await desk.get(UUID(body["applicationId"]))
            await desk.return_for_supplement(application, REVIEWER, body["reasons"])
            return {"state": str(application.state)}

    async def add_agent(body: dict[str, Any]) -> dict[str, Any]:
        async with runtime.sessionmaker() as db, db.begin():
            query = select(Enterprise).where(Enterprise.credit_code == body["creditCode"])
            enterprise = await db.scalar(query)
            assert enterprise is not None, "no such enterprise"
            service = EnterpriseService(db, protector=runtime.protector)
            representative = enterprise.legal_representative_id
            await service.add_agent(enterprise.id, representative, body["phone"],
                                    client_ip="127.0.0.1")  # fmt: skip
            return {"enterpriseId": str(enterprise.id)}

    return {
        "/approve": approve,
        "/ask-supplement": ask_supplement,
        "/return": return_for_supplement,
        "/add-agent": add_agent,
    }


@contextmanager
def department_hooks(served: ServedApp, runtime: Runtime) -> Iterator[str]:
    """Serve the hooks on a loopback port; yields their base URL."""
    hooks = _hooks(runtime)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hook = hooks.get(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            answer: dict[str, Any]
            try:
                assert hook is not None, f"no hook {self.path}"
                body = json.loads(self.rfile.read(length) or b"{}")
                answer, status = served.run(hook(body)), 200
            except Exception as exc:  # the Node test shows why its hook failed
                answer, status = {"error": repr(exc)}, 500
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # quiet: Node reports
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
