"""Load shedding on its own: a held inner app shows exactly where the bound cuts in."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from app.web.shedding import LoadSheddingMiddleware

Scope = dict[str, Any]


def _held_app(release: asyncio.Event, entered: list[str]) -> Any:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        entered.append(scope["path"])
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def _flood(limit: int, paths: list[str]) -> tuple[list[httpx.Response], list[str]]:
    release, entered = asyncio.Event(), []
    shedding = LoadSheddingMiddleware(limit)
    transport = httpx.ASGITransport(app=shedding(_held_app(release, entered)))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        pending = [asyncio.create_task(client.get(path)) for path in paths]
        for _ in range(200):  # until every request has either entered or been refused
            await asyncio.sleep(0.005)
            if len(entered) + shedding.shed == len(paths):
                break
        release.set()
        answers = await asyncio.wait_for(asyncio.gather(*pending), timeout=10)
    return answers, entered


async def test_requests_over_the_bound_get_503_with_retry_after_at_once() -> None:
    answers, entered = await _flood(3, ["/services"] * 10)

    assert len(entered) == 3
    assert sorted(a.status_code for a in answers) == [200] * 3 + [503] * 7
    refused = next(a for a in answers if a.status_code == 503)
    assert refused.headers["retry-after"] == "2"
    assert refused.headers["content-type"].startswith("text/html")


async def test_api_callers_get_problem_details() -> None:
    answers, _ = await _flood(1, ["/mp/v1/me"] * 3)

    refused = [a for a in answers if a.status_code == 503]
    assert len(refused) == 2
    assert refused[0].headers["content-type"] == "application/problem+json"
    assert refused[0].json()["status"] == 503


async def test_health_checks_and_static_files_are_never_shed() -> None:
    answers, entered = await _flood(1, ["/services", "/healthz", "/readyz", "/static/app.css"])

    assert sorted(entered) == ["/healthz", "/readyz", "/services", "/static/app.css"]
    assert {a.status_code for a in answers} == {200}


async def test_a_bound_of_zero_turns_shedding_off() -> None:
    answers, entered = await _flood(0, ["/services"] * 20)

    assert len(entered) == 20
    assert {a.status_code for a in answers} == {200}
