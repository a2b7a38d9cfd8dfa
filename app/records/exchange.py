"""The shared records (共享数据) behind one protocol: the data exchange, or the demo store.

``HttpRecordExchange`` speaks this JSON protocol to ``ONETHING_RECORDS_EXCHANGE_URL``::

    POST {base}/exchange/v1/query
    Content-Type: application/json
    X-Exchange-App: <app id>          X-Exchange-Timestamp: <unix seconds>
    X-Exchange-Nonce: <random>        X-Exchange-Signature: <see app/records/signing.py>
    {"source": "marriage", "subject": {"kind": "person", "number": "310115198503120418"},
     "fields": ["marital_status", "spouse_name"], "purpose": "新生儿出生一件事 (draft 0190…)"}

    200 {"found": true, "asOf": "2026-11-01", "values": {"marital_status": "已婚", …}}
    200 {"found": false}              the source holds no record of that subject
    400 / 401 / 403                   malformed, unsigned or not allowed: never retried

    POST {base}/exchange/v1/corrections          (signed the same way)
    {"id": "<our correction id>", "source": "marriage", "subject": {…}, "field": "spouse_name",
     "note": "…", "purpose": "…"}
    200 {"ticket": "<the source's reference>"}   a repeated id is the same correction

``subject.kind`` is ``person`` (an 18-character ID number) or ``enterprise`` (a unified
social credit code). ``values`` holds text only, for requested fields only (others are
ignored); a field the record lacks is simply absent. The exchange refuses a timestamp more
than 300 s away from its clock and a nonce it has already seen.

Every call has the outbound time limit. A connection error, a timeout or a 5xx answer is
retried at most twice (through ``stamina``), with a fresh signature and a growing, jittered
pause (a query reads only; a correction carries our id, so the source can tell a repeat). A
4xx is never retried. Every failure ends as ``Unavailable`` with a log line naming the source
and the status, never a value or a number.

``DemoRecordExchange``, the embedded default (refused in production), answers from the
fictional records of ``app/demo/records/*.toml`` (``app.records.demo_store``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Protocol

import httpx
import msgspec
import stamina
import structlog

from app.errors import Unavailable
from app.records.demo_store import DEMO_RECORDS_DIR, load_demo_records, normalize_subject
from app.records.signing import signed_headers
from app.records.sources import SOURCES, SubjectKind

log = structlog.get_logger(__name__)

QUERY_PATH = "/exchange/v1/query"
CORRECTIONS_PATH = "/exchange/v1/corrections"
MAX_RETRIES = 2


class RecordValue(msgspec.Struct, frozen=True):
    """One field of one source's record, as the source last confirmed it."""

    source: str
    field: str
    value: str
    as_of: date


class RecordSubject(msgspec.Struct, frozen=True):
    """Whose record: an ID number or a credit code, in clear — never logged or stored."""

    kind: SubjectKind
    number: str

    def __repr__(self) -> str:  # keeps the number out of tracebacks and debug output
        return f"RecordSubject(kind={self.kind.value!r}, number=<hidden>)"


class CorrectionReport(msgspec.Struct, frozen=True, kw_only=True):
    """A person's report that a field of a source's record is wrong ("report an error")."""

    id: str
    source: str
    field: str
    note: str
    purpose: str


class RecordExchange(Protocol):
    """Reads the shared records and passes correction reports on to their sources."""

    async def read(
        self, subject: RecordSubject, source: str, fields: Sequence[str], purpose: str
    ) -> list[RecordValue]:
        """The requested fields the source holds; [] without a record; ``Unavailable`` if unsure."""

    async def report_correction(
        self, subject: RecordSubject, report: CorrectionReport
    ) -> str | None:
        """Forward a correction report; the source's ticket, or None when it keeps none."""


def _source_for(subject: RecordSubject, source: str) -> None:
    known = SOURCES.get(source)
    if known is None:
        raise ValueError(f"unknown record source {source!r}")
    if known.subject is not subject.kind:
        raise ValueError(f"source {source!r} holds {known.subject} records, not {subject.kind}")


class DemoRecordExchange:
    """Fictional records read once from ``app/demo/records`` (development and demo only)."""

    def __init__(self, directory: Path = DEMO_RECORDS_DIR) -> None:
        self._records = load_demo_records(directory)
        self.corrections: list[CorrectionReport] = []  # stored only: there is no source to tell

    async def read(
        self, subject: RecordSubject, source: str, fields: Sequence[str], purpose: str
    ) -> list[RecordValue]:
        """The demo record's requested fields, or [] when it holds none for the subject."""
        _source_for(subject, source)
        record = self._records.get((source, normalize_subject(subject.kind, subject.number)))
        if record is None:
            return []
        return [
            RecordValue(source=source, field=name, value=record.values[name], as_of=record.as_of)
            for name in fields
            if name in record.values
        ]

    async def report_correction(
        self, subject: RecordSubject, report: CorrectionReport
    ) -> str | None:
        """Kept in memory only; the demo has no source to tell."""
        _source_for(subject, report.source)
        self.corrections.append(report)
        return None


class _Answer(msgspec.Struct, rename="camel"):
    found: bool
    as_of: date | None = None
    values: dict[str, str] = msgspec.field(default_factory=dict)


class _Ticket(msgspec.Struct):
    ticket: str


class HttpRecordExchange:
    """The data exchange over HTTP (the protocol in this module's docstring)."""

    def __init__(
        self,
        base_url: str,
        *,
        app_id: str,
        secret: str,
        http: httpx.AsyncClient,
        timeout_seconds: float,
        retries: int = MAX_RETRIES,
        backoff_seconds: float = 0.2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._app_id = app_id
        self._secret = secret
        self._http = http
        self._timeout = timeout_seconds
        self._retries = min(retries, MAX_RETRIES)
        self._backoff = backoff_seconds
        self._clock = clock

    async def read(
        self, subject: RecordSubject, source: str, fields: Sequence[str], purpose: str
    ) -> list[RecordValue]:
        """Ask the exchange; every failure is ``Unavailable`` (logged without values)."""
        _source_for(subject, source)
        body = {"source": source, "subject": _subject(subject), "fields": list(fields)}
        response = await self._post(QUERY_PATH, {**body, "purpose": purpose}, source)
        try:
            answer = msgspec.json.decode(response.content, type=_Answer)
        except msgspec.DecodeError:
            log.warning("records exchange answer malformed", source=source)
            raise Unavailable from None
        if not answer.found:
            return []
        if answer.as_of is None:
            log.warning("records exchange answer without asOf", source=source)
            raise Unavailable
        wanted = set(fields)
        if set(answer.values) - wanted:
            log.warning("records exchange sent unrequested fields", source=source)
        return [
            RecordValue(source=source, field=name, value=answer.values[name], as_of=answer.as_of)
            for name in fields
            if name in answer.values and name in wanted
        ]

    async def report_correction(
        self, subject: RecordSubject, report: CorrectionReport
    ) -> str | None:
        """Send the report; the source's ticket, or ``Unavailable``."""
        _source_for(subject, report.source)
        body = {**msgspec.to_builtins(report), "subject": _subject(subject)}
        response = await self._post(CORRECTIONS_PATH, body, report.source)
        try:
            return msgspec.json.decode(response.content, type=_Ticket).ticket
        except msgspec.DecodeError:
            log.warning("records exchange correction answer malformed", source=report.source)
            raise Unavailable from None

    async def _post(self, path: str, body: dict[str, object], source: str) -> httpx.Response:
        """POST with retries for connection errors, timeouts and 5xx; a 200 or ``Unavailable``."""
        url = httpx.URL(self._base + path)
        payload = msgspec.json.encode(body)
        try:
            # Attempts bound the time: each has the outbound limit, and the pauses grow from
            # the backoff (doubling, plus up to one backoff of jitter) between them.
            async for attempt in stamina.retry_context(
                on=_TRANSIENT,
                attempts=self._retries + 1,
                timeout=None,
                wait_initial=self._backoff,
                wait_max=self._backoff * 2**self._retries,
                wait_jitter=self._backoff,
            ):
                with attempt:
                    return await self._attempt(url, payload, source, attempt.num)
        except _TRANSIENT:
            pass
        raise Unavailable

    async def _attempt(
        self, url: httpx.URL, payload: bytes, source: str, attempt: int
    ) -> httpx.Response:
        """One signed POST: the 200, ``_ServerError``/a transport error to retry, or a refusal."""
        headers = signed_headers(
            app_id=self._app_id,
            secret=self._secret,
            method="POST",
            path=url.path,
            body=payload,
            now=self._clock(),
        )
        headers["Content-Type"] = "application/json"
        try:
            response = await self._http.post(
                url, content=payload, headers=headers, timeout=self._timeout
            )
        except httpx.TransportError as exc:  # connection errors and timeouts
            log.warning(
                "records exchange unreachable",
                source=source,
                attempt=attempt,
                error=type(exc).__name__,
            )
            raise
        if response.status_code >= 500:
            log.warning(
                "records exchange failed",
                source=source,
                attempt=attempt,
                status=response.status_code,
            )
            raise _ServerError(response.status_code)
        if response.status_code != 200:
            log.warning("records exchange refused", source=source, status=response.status_code)
            raise Unavailable
        return response


class _ServerError(Exception):
    """A 5xx answer: worth another attempt."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


# What the retries are for; a 4xx (``Unavailable`` at once) is never retried.
_TRANSIENT = (httpx.TransportError, _ServerError)


def _subject(subject: RecordSubject) -> dict[str, str]:
    return {"kind": subject.kind.value, "number": subject.number}
