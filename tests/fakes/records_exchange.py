"""A local data exchange speaking the protocol of ``app/records/exchange.py``.

It checks what the real exchange checks, by its own hand (not with the app's signing code):
the app id, the HMAC-SHA256 signature over method, path, timestamp, nonce and body digest,
a clock skew of at most 300 s, and nonces never used twice. An unsigned or wrongly signed
request gets 401, a malformed one 400; every refusal is recorded in ``refused``. It serves
the demo records (``app/demo/records``, or another directory), so what the demo store says
and what the exchange says can be compared.

Tests steer it: ``failures`` is a list of statuses to answer, one per request, before
answering normally (e.g. ``[503, 503]``); ``server.stall_seconds`` delays every answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from app.records.demo_store import DEMO_RECORDS_DIR, load_demo_records, normalize_subject
from app.records.sources import SOURCES, SubjectKind
from tests.fakes._http import LocalServer, Reply, Request

_JSON = "application/json"
QUERY = "/exchange/v1/query"
CORRECTIONS = "/exchange/v1/corrections"
APP_ID = "onething-test"
SECRET = "exchange-test-secret-0123456789abcdef"  # a test fixture


class FakeRecordExchange:
    """The records it serves, and every request it answered or refused."""

    def __init__(
        self,
        directory: Path = DEMO_RECORDS_DIR,
        *,
        prefix: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.records = load_demo_records(directory)
        self.prefix = prefix  # a base path the exchange is mounted under, e.g. "/gov"
        self.clock = clock
        self.failures: list[int] = []
        self.queries: list[dict[str, Any]] = []
        self.corrections: dict[str, dict[str, Any]] = {}
        self.refused: list[str] = []
        self.attempts = 0
        self._nonces: dict[str, float] = {}
        self.server = LocalServer(self._handle)

    @property
    def base_url(self) -> str:
        """Where the app should point ``records_exchange_url``."""
        return self.server.base_url + self.prefix

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()

    def _handle(self, request: Request) -> Reply:
        self.attempts += 1
        if self.failures:
            return Reply(self.failures.pop(0), "text/plain", b"failure on purpose")
        if request.method != "POST" or request.path not in (
            self.prefix + QUERY,
            self.prefix + CORRECTIONS,
        ):
            return self._refuse(404, f"unknown endpoint {request.method} {request.path}")
        problem = self._signature_problem(request)
        if problem is not None:
            return self._refuse(401, problem)
        try:
            body = json.loads(request.body)
        except ValueError:
            return self._refuse(400, "the body is not JSON")
        if request.path.endswith(QUERY):
            return self._query(body)
        return self._correction(body)

    def _refuse(self, status: int, reason: str) -> Reply:
        self.refused.append(reason)
        return Reply(status, _JSON, json.dumps({"error": reason}).encode())

    def _signature_problem(self, request: Request) -> str | None:
        headers = request.headers
        app_id = headers.get("X-Exchange-App")
        timestamp = headers.get("X-Exchange-Timestamp") or ""
        nonce = headers.get("X-Exchange-Nonce") or ""
        signature = headers.get("X-Exchange-Signature") or ""
        if app_id != APP_ID:
            return "unknown app"
        if not timestamp.isdigit() or not nonce:
            return "timestamp and nonce are required"
        now = self.clock()
        if abs(now - int(timestamp)) > 300:
            return "clock skew over 300 s"
        digest = hashlib.sha256(request.body).hexdigest()
        message = f"POST\n{request.path}\n{timestamp}\n{nonce}\n{digest}".encode()
        expected = base64.b64encode(hmac.new(SECRET.encode(), message, "sha256").digest()).decode()
        if not hmac.compare_digest(expected, signature):
            return "bad signature"
        self._nonces = {n: t for n, t in self._nonces.items() if now - t <= 600}
        if nonce in self._nonces:
            return "nonce already used"
        self._nonces[nonce] = now
        return None

    def _query(self, body: dict[str, Any]) -> Reply:
        problem = _query_problem(body)
        if problem is not None:
            return self._refuse(400, problem)
        self.queries.append(body)
        subject = body["subject"]
        number = normalize_subject(SubjectKind(subject["kind"]), subject["number"])
        record = self.records.get((body["source"], number))
        if record is None:
            return Reply(200, _JSON, b'{"found": false}')
        values = {name: record.values[name] for name in body["fields"] if name in record.values}
        answer = {"found": True, "asOf": record.as_of.isoformat(), "values": values}
        return Reply(200, _JSON, json.dumps(answer, ensure_ascii=False).encode())

    def _correction(self, body: dict[str, Any]) -> Reply:
        needed = {"id", "source", "subject", "field", "note", "purpose"}
        if not isinstance(body, dict) or set(body) != needed:
            return self._refuse(400, "a correction needs exactly " + ", ".join(sorted(needed)))
        ticket = self.corrections.get(body["id"], {}).get("ticket") or f"CR-{uuid.uuid4().hex[:8]}"
        self.corrections[body["id"]] = {**body, "ticket": ticket}
        return Reply(200, _JSON, json.dumps({"ticket": ticket}).encode())


def _query_problem(body: Any) -> str | None:
    if not isinstance(body, dict) or set(body) != {"source", "subject", "fields", "purpose"}:
        return "a query holds exactly source, subject, fields and purpose"
    source = SOURCES.get(body["source"])
    if source is None:
        return "unknown source"
    subject = body["subject"]
    if not isinstance(subject, dict) or subject.get("kind") != source.subject.value:
        return f"source {source.code} answers about {source.subject.value} subjects"
    if not isinstance(subject.get("number"), str) or not subject["number"]:
        return "the subject needs a number"
    fields = body["fields"]
    if not isinstance(fields, list) or not fields:
        return "fields must be a non-empty list"
    if any(source.field(name) is None for name in fields):
        return "unknown field"
    if not isinstance(body["purpose"], str) or not body["purpose"]:
        return "a purpose is required"
    return None
