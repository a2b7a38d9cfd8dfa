"""A local population record source speaking the protocol of ``app/identity/population.py``.

It holds records (ID number -> name) and checks every request's shape: ``POST`` to the
verifications path, a JSON object with exactly the string fields ``name`` and ``idNumber``.
Anything else is refused with 400, as the real source would. ``down`` answers 503.
"""

from __future__ import annotations

import json
from typing import Any, Self

from app.identity.population import VERIFICATIONS_PATH
from tests.fakes._http import LocalServer, Reply, Request

_JSON = "application/json"


class FakePopulationRecords:
    """Records and the requests they were asked, for tests to look at."""

    def __init__(self, records: dict[str, str] | None = None) -> None:
        self.records: dict[str, str] = dict(records or {})
        self.asked: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.down = False
        self.server = LocalServer(self._handle)

    @property
    def base_url(self) -> str:
        """Where the app should point ``population_records_url``."""
        return self.server.base_url

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()

    def _handle(self, request: Request) -> Reply:
        if self.down:
            return Reply(503, "text/plain", b"maintenance")
        problem = _problem(request)
        if problem is not None:
            self.refused.append(problem)
            return Reply(400, _JSON, json.dumps({"error": problem}).encode())
        body = json.loads(request.body)
        self.asked.append(body)
        match = self.records.get(body["idNumber"]) == body["name"]
        return Reply(200, _JSON, json.dumps({"match": match}).encode())


def _problem(request: Request) -> str | None:
    """Why the request breaks the protocol, or None."""
    if request.method != "POST" or request.path != VERIFICATIONS_PATH:
        return f"unknown endpoint {request.method} {request.path}"
    if not (request.headers.get("Content-Type") or "").startswith(_JSON):
        return "the body must be JSON"
    try:
        body = json.loads(request.body)
    except ValueError:
        return "the body is not valid JSON"
    if not isinstance(body, dict) or set(body) != {"name", "idNumber"}:
        return "the body must hold exactly name and idNumber"
    if not all(isinstance(body[key], str) and body[key] for key in ("name", "idNumber")):
        return "name and idNumber must be non-empty strings"
    return None
