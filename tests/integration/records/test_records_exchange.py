"""The HTTP data exchange client against a local exchange that checks every signature."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from app.errors import Unavailable
from app.records.exchange import CorrectionReport, HttpRecordExchange, RecordSubject, RecordValue
from app.records.sources import SubjectKind
from tests.conftest import make_settings
from tests.fakes.records_exchange import APP_ID, CORRECTIONS, QUERY, SECRET, FakeRecordExchange

ZHANG_WEI = RecordSubject(kind=SubjectKind.PERSON, number="310115198503120418")
MINGHU = RecordSubject(kind=SubjectKind.ENTERPRISE, number="91310104MA1FR8N2XY")
PURPOSE = "新生儿出生一件事 (draft 0190)"


@pytest.fixture
def exchange() -> Iterator[FakeRecordExchange]:
    """A local exchange serving the demo records under a base path."""
    with FakeRecordExchange(prefix="/gov") as fake:
        yield fake
    assert not fake.server.failures, fake.server.failures


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def _client(
    exchange: FakeRecordExchange | str, http: httpx.AsyncClient, **overrides: object
) -> HttpRecordExchange:
    options: dict[str, object] = {
        "app_id": APP_ID,
        "secret": SECRET,
        "http": http,
        "timeout_seconds": 2.0,
        "backoff_seconds": 0.0,
        **overrides,
    }
    base = exchange if isinstance(exchange, str) else exchange.base_url
    return HttpRecordExchange(base, **options)  # type: ignore[arg-type]


def _own(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The exchange client's log lines, without stamina's "retry scheduled" ones."""
    return [entry for entry in logs if str(entry["event"]).startswith("records exchange")]


async def test_a_signed_query_reads_only_the_requested_fields(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    values = await _client(exchange, http).read(
        ZHANG_WEI, "marriage", ["spouse_name", "registered_on"], PURPOSE
    )
    as_of = date(2026, 11, 1)
    assert values == [
        RecordValue(source="marriage", field="spouse_name", value="李娜", as_of=as_of),
        RecordValue(source="marriage", field="registered_on", value="2023-05-20", as_of=as_of),
    ]
    assert exchange.refused == []
    assert exchange.queries == [
        {
            "source": "marriage",
            "subject": {"kind": "person", "number": ZHANG_WEI.number},
            "fields": ["spouse_name", "registered_on"],
            "purpose": PURPOSE,
        }
    ]


async def test_enterprise_records_are_asked_by_credit_code(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    values = await _client(exchange, http).read(MINGHU, "tax", ["outstanding_tax"], PURPOSE)
    assert [(v.field, v.value) for v in values] == [("outstanding_tax", "无")]


async def test_no_record_is_an_empty_answer(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    nobody = RecordSubject(kind=SubjectKind.PERSON, number="11010519491231002X")
    assert await _client(exchange, http).read(nobody, "population", ["name"], PURPOSE) == []


async def test_a_wrong_secret_is_refused_once_and_never_retried(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    with pytest.raises(Unavailable):
        await _client(exchange, http, secret="not-the-secret").read(
            ZHANG_WEI, "population", ["name"], PURPOSE
        )
    assert exchange.attempts == 1
    assert exchange.refused == ["bad signature"]


async def test_a_clock_more_than_300_seconds_off_is_refused(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    late = _client(exchange, http, clock=lambda: time.time() - 301)
    with pytest.raises(Unavailable):
        await late.read(ZHANG_WEI, "population", ["name"], PURPOSE)
    assert exchange.refused == ["clock skew over 300 s"]
    nearly = _client(exchange, http, clock=lambda: time.time() - 290)
    assert await nearly.read(ZHANG_WEI, "population", ["name"], PURPOSE)


async def test_the_exchange_refuses_a_replayed_request(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    captured: list[httpx.Request] = []

    async def keep(request: httpx.Request) -> None:
        captured.append(request)

    async with httpx.AsyncClient(event_hooks={"request": [keep]}) as spying:
        await _client(exchange, spying).read(ZHANG_WEI, "population", ["name"], PURPOSE)
    original = captured[0]
    replay = await http.post(original.url, content=original.content, headers=original.headers)
    assert replay.status_code == 401
    assert exchange.refused == ["nonce already used"]


async def test_5xx_answers_are_retried_with_a_fresh_signature_then_succeed(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    exchange.failures = [503, 502]
    values = await _client(exchange, http).read(ZHANG_WEI, "population", ["name"], PURPOSE)
    assert [v.value for v in values] == ["张伟"]
    assert exchange.attempts == 3
    assert exchange.refused == []  # each retry had its own nonce


async def test_after_two_retries_the_source_is_unavailable(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    exchange.failures = [500, 500, 500, 500]
    with pytest.raises(Unavailable):
        await _client(exchange, http).read(ZHANG_WEI, "population", ["name"], PURPOSE)
    assert exchange.attempts == 3


async def test_the_pauses_between_attempts_grow_from_the_backoff_and_stay_bounded(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    exchange.failures = [503, 503, 503]
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await _client(exchange, http, backoff_seconds=0.05).read(
            ZHANG_WEI, "population", ["name"], PURPOSE
        )
    # 0.05 s then 0.1 s, each with up to 0.05 s of jitter.
    assert 0.15 <= time.monotonic() - started < 1.0
    assert exchange.attempts == 3


async def test_4xx_answers_are_never_retried(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    exchange.failures = [429]
    with pytest.raises(Unavailable):
        await _client(exchange, http).read(ZHANG_WEI, "population", ["name"], PURPOSE)
    assert exchange.attempts == 1


async def test_a_slow_exchange_times_out_and_is_retried_twice(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    exchange.server.stall_seconds = 1.0
    started = time.monotonic()
    with capture_logs() as logs, pytest.raises(Unavailable):
        await _client(exchange, http, timeout_seconds=0.2).read(
            ZHANG_WEI, "population", ["name"], PURPOSE
        )
    assert [(entry["attempt"], entry["error"]) for entry in _own(logs)] == [
        (1, "ReadTimeout"),
        (2, "ReadTimeout"),
        (3, "ReadTimeout"),
    ]
    assert time.monotonic() - started < 2.0


async def test_an_unreachable_exchange_is_unavailable(http: httpx.AsyncClient) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(Unavailable):
        await _client(f"http://127.0.0.1:{port}", http).read(
            ZHANG_WEI, "population", ["name"], PURPOSE
        )


async def test_malformed_answers_are_unavailable(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    client = _client(exchange, http)
    exchange.records.clear()
    broken = httpx.MockTransport(lambda _: httpx.Response(200, json={"found": True}))
    async with httpx.AsyncClient(transport=broken) as answers_without_date:
        with pytest.raises(Unavailable):
            await _client(exchange, answers_without_date).read(
                ZHANG_WEI, "population", ["name"], PURPOSE
            )
    not_json = httpx.MockTransport(lambda _: httpx.Response(200, text="<html>"))
    async with httpx.AsyncClient(transport=not_json) as html:
        with pytest.raises(Unavailable):
            await _client(exchange, html).read(ZHANG_WEI, "population", ["name"], PURPOSE)
    assert await client.read(ZHANG_WEI, "population", ["name"], PURPOSE) == []


async def test_failures_are_logged_without_values_or_numbers(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    exchange.failures = [503, 503, 503]
    with capture_logs() as logs, pytest.raises(Unavailable):
        await _client(exchange, http).read(ZHANG_WEI, "population", ["name"], PURPOSE)
    assert [entry["status"] for entry in _own(logs)] == [503, 503, 503]
    # stamina's own lines (one per scheduled retry) are checked too.
    assert [entry["retry_num"] for entry in logs if "retry_num" in entry] == [1, 2]
    text = json.dumps(logs, ensure_ascii=False, default=str)
    assert ZHANG_WEI.number not in text
    assert "张伟" not in text
    assert PURPOSE not in text


async def test_a_correction_is_forwarded_and_a_repeat_gets_the_same_ticket(
    exchange: FakeRecordExchange, http: httpx.AsyncClient
) -> None:
    report = CorrectionReport(
        id="0190-test", source="marriage", field="registered_on", note="日期有误", purpose=PURPOSE
    )
    client = _client(exchange, http)
    ticket = await client.report_correction(ZHANG_WEI, report)
    assert ticket is not None
    assert ticket.startswith("CR-")
    assert await client.report_correction(ZHANG_WEI, report) == ticket
    stored = exchange.corrections["0190-test"]
    assert stored["subject"] == {"kind": "person", "number": ZHANG_WEI.number}
    assert (stored["field"], stored["note"]) == ("registered_on", "日期有误")
    assert exchange.refused == []


def test_the_protocol_paths_are_the_documented_ones() -> None:
    from app.records import exchange as module

    assert (module.QUERY_PATH, module.CORRECTIONS_PATH) == (QUERY, CORRECTIONS)
    assert module.__doc__ is not None
    assert f"POST {{base}}{QUERY}" in module.__doc__
    assert f"POST {{base}}{CORRECTIONS}" in module.__doc__


async def test_the_app_reads_through_the_exchange_once_it_is_configured(
    exchange: FakeRecordExchange, tmp_path: Path, migrated_database_url: str
) -> None:
    from app.main import create_app
    from app.records.exchange import DemoRecordExchange

    plain = create_app(make_settings(tmp_path / "a", migrated_database_url))
    assert isinstance(plain.state.runtime.records, DemoRecordExchange)
    settings = make_settings(
        tmp_path / "b",
        migrated_database_url,
        records_exchange_url=exchange.base_url,
        records_exchange_app_id=APP_ID,
        records_exchange_secret=SECRET,
    )
    runtime = create_app(settings).state.runtime
    try:
        assert isinstance(runtime.records, HttpRecordExchange)
        values = await runtime.records.read(ZHANG_WEI, "population", ["name"], PURPOSE)
        assert [v.value for v in values] == ["张伟"]
    finally:
        await runtime.http.aclose()
        await plain.state.runtime.http.aclose()
