"""An enterprise bundle from sign-in to a verified QR card, through ``/mp/v1`` alone (issue 16).

The done-when of the issue: the journey of ``test_mp_newborn_journey.py`` runs the same way
acting for an enterprise. An enterprise comes from the market-regulation registry with its
legal representative; a resident signs in, verifies their real name and becomes the
enterprise's agent (经办人) the way a real one does — the legal representative adds them by
mobile number through the API. Acting for the enterprise (``X-Acting-For``), they prepare
企业注销一件事, the catalog's enterprise bundle, end to end (questions, the one notice,
consent, the merged form with values from the registry, one set of materials, the review),
submit twice with one ``Idempotency-Key``, follow the history while the departments approve,
and find the notice in the inbox and the licenses in the ENTERPRISE's wallet — not in their
own — where a card is verified by a second, anonymous client.

企业开办一件事 itself is not an enterprise's application: the enterprise does not exist yet,
so the catalog has the founder apply as a person (``business-startup.yaml``), and the draft
service refuses it while acting for an enterprise. That refusal is checked here too.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.composition.runtime import Runtime
from app.records.exchange import DemoRecordExchange
from app.records.sources import SOURCES, SubjectKind
from tests.fakes.population_server import FakePopulationRecords
from tests.integration.application_support import PDF, new_phone
from tests.integration.miniprogram_api import journey_support
from tests.integration.miniprogram_api.journey_support import (
    applications_of,
    approve_everything,
    today,
)
from tests.integration.miniprogram_api.journey_support import id_number as new_id_number
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.miniprogram_api.test_mp_wallet import anonymous
from tests.integration.records_support import write_records
from tests.integration.wallet_support import enterprise_of

Client = AsyncTestClient[Litestar]
# The fixtures: local population records and WeChat, and the app pointed at them.
population, settings = journey_support.population, journey_support.settings
wechat = journey_support.wechat
BUNDLE = "enterprise-deregistration"  # 企业注销一件事: the modelled bundle of enterprises
ANSWERS = {"procedure": ["simplified"], "social_insurance": ["no"], "housing_fund": ["no"],
           "customs": ["no"]}  # fmt: skip


def _registry_records(directory: Path, credit_code: str, name: str) -> DemoRecordExchange:
    # The registry and the tax office know the enterprise; it owes nothing (as 明湖 in the demo).
    values = {
        "enterprise-registry": {"name": name, "credit_code": credit_code,
                                "entity_type": "有限责任公司（自然人独资）",
                                "legal_representative": "张伟", "status": "存续"},
        "tax": {"taxpayer_status": "正常", "outstanding_tax": "无", "unverified_invoices": "0份"},
    }  # fmt: skip
    rows = [
        (code, credit_code, values[code])
        for code, source in SOURCES.items()
        if source.subject is SubjectKind.ENTERPRISE
    ]
    return DemoRecordExchange(directory=write_records(directory, *rows))


def _value(field: dict[str, Any], id_number: str, credit_code: str) -> str:
    """A plausible value for a field of the merged form, by its kind."""
    kind = field["kind"]
    if kind == "date":
        return (today() - timedelta(days=3)).isoformat()
    if kind == "select":
        return str(field["options"][0]["value"])
    by_kind = {"boolean": "no", "number": "1", "money": "1", "id-number": id_number,
               "phone": new_phone(), "credit-code": credit_code, "textarea": "全体投资人承诺"}  # fmt: skip  # noqa: E501
    return by_kind.get(kind, "测试填写")


async def _member(client: Client, auth: dict[str, str], enterprise_id: str, phone: str) -> None:
    """The legal representative adds the resident as an agent, through the API."""
    added = await client.post(f"/mp/v1/enterprises/{enterprise_id}/members",
                              json={"phone": phone}, headers=auth)  # fmt: skip
    assert added.status_code == 201, added.text
    roles = {m["maskedPhone"][-4:]: m["role"] for m in added.json()["members"]}
    assert roles[phone[-4:]] == "agent"


async def test_an_enterprise_bundle_runs_through_the_api_acting_for_the_enterprise(
    client: Client, population: FakePopulationRecords, tmp_path: Path
) -> None:
    statuses: list[tuple[int, str]] = []

    async def seen(response: httpx.Response) -> None:
        statuses.append((response.status_code, response.request.url.path))

    client.event_hooks["response"].append(seen)
    runtime: Runtime = client.app.state.runtime

    # The registry knows the enterprise and its legal representative (who has signed in once).
    representative_phone = new_phone()
    representative = await bearer(client, representative_phone)
    enterprise, credit_code, name = await enterprise_of(client, representative_phone)
    runtime.records = _registry_records(tmp_path / "records", credit_code, name)

    # The resident signs in and verifies their real name; no enterprise yet.
    phone, id_number = new_phone(), new_id_number(date(1985, 3, 12))
    population.records[id_number] = "李经办"
    own = await bearer(client, phone)
    verified = await client.post("/mp/v1/me/real-name", headers=own,
                                 json={"name": "李经办", "idNumber": id_number})  # fmt: skip
    assert verified.status_code == 200, verified.text
    assert (await client.get("/mp/v1/enterprises", headers=own)).json()["enterprises"] == []
    refused = await client.post("/mp/v1/drafts", json={"bundleCode": BUNDLE},
                                headers={**own, "X-Acting-For": str(enterprise)})  # fmt: skip
    assert refused.status_code == 404  # not a member (yet): as unknown as any enterprise

    # The legal representative adds them; now they find the enterprise and act for it.
    await _member(client, representative, str(enterprise), phone)
    mine = (await client.get("/mp/v1/enterprises", headers=own)).json()["enterprises"]
    assert [(e["id"], e["role"]) for e in mine] == [(str(enterprise), "agent")]
    auth = {**own, "X-Acting-For": mine[0]["id"]}

    # 企业开办 is the founder's own application: refused while acting for an enterprise.
    startup = await client.post("/mp/v1/drafts", json={"bundleCode": "business-startup"},
                                headers=auth)  # fmt: skip
    assert startup.status_code == 422, startup.text

    # Draft, questions, the one notice, consent.
    started = await client.post("/mp/v1/drafts", json={"bundleCode": BUNDLE}, headers=auth)
    assert started.status_code == 201, started.text
    draft_id = started.json()["id"]
    base = f"/mp/v1/drafts/{draft_id}"
    answered = await client.put(f"{base}/answers", json={"answers": ANSWERS}, headers=auth)
    assert answered.status_code == 200, answered.text
    selected = answered.json()["selected"]
    assert {"tax-clearance", "simplified-deregistration"} <= set(selected)
    assert (await client.get(f"{base}/notice", headers=auth)).status_code == 200
    assert (await client.post(f"{base}/notice/acknowledge", headers=auth)).status_code == 200
    assert (await client.get(f"{base}/consent", headers=auth)).json()["requests"]
    consent = await client.post(f"{base}/consent", json={"agree": True}, headers=auth)
    assert consent.status_code == 200, consent.text

    # The merged form: the registry filled the enterprise's facts; a wrong one is reported.
    form = (await client.get(f"{base}/form", headers=auth)).json()
    fields = [f for g in form["groups"] for f in g["fields"]]
    prefilled = next(f for f in fields if f["readOnly"] and f["value"] == name)
    target = await client.get(f"{base}/corrections", params={"field": prefilled["key"]},
                              headers=auth)  # fmt: skip
    assert target.status_code == 200, target.text
    assert target.json()["source"]["source"] == "enterprise-registry"
    blank = await client.post(f"{base}/corrections", json={"field": prefilled["key"]},
                              headers=auth)  # fmt: skip
    assert [e["field"] for e in blank.json()["errors"]] == ["note"]
    correction = {"field": prefilled["key"], "note": "名称已变更"}
    reported = await client.post(f"{base}/corrections", json=correction, headers=auth)
    assert reported.status_code == 202, reported.text
    typed = {f["key"]: _value(f, id_number, credit_code) for f in fields
             if not f["readOnly"] and not f["value"]}  # fmt: skip
    saved = await client.patch(f"{base}/values", json={"values": typed, "complete": True},
                               headers=auth)  # fmt: skip
    assert saved.status_code == 200, saved.text

    # One set of materials, then the review.
    needs = (await client.get(f"{base}/materials", headers=auth)).json()["materials"]
    for need in needs:
        if need["required"] and not need["proven"]:
            uploaded = await client.post(
                f"{base}/materials/{need['code']}", headers=auth,
                files={"file": (f"{need['code']}.pdf", PDF, "application/pdf")},
            )  # fmt: skip
            assert uploaded.status_code == 201, uploaded.text
    assert (await client.post(f"{base}/review", headers=auth)).json()["stage"] == "review"
    review = (await client.get(f"{base}/review", headers=auth)).json()
    assert review["toFollow"] == []

    # Submit twice with one key: one application, the enterprise's.
    keyed = {**auth, "Idempotency-Key": f"closing-{secrets.token_hex(8)}"}
    body = {"draftId": draft_id, "delivery": "electronic"}
    first = await client.post("/mp/v1/applications", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    again = await client.post("/mp/v1/applications", json=body, headers=keyed)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert await applications_of(client, draft_id) == 1
    application = first.json()
    assert application["state"] == "accepted"
    path = f"/mp/v1/applications/{application['id']}"

    # Only while acting for the enterprise: not as the person, not for a non-member.
    assert (await client.get(path, headers=own)).status_code == 404
    assert (await client.get(f"{path}/history", headers=own)).status_code == 404
    stranger = await bearer(client, new_phone())
    for url in (path, f"{path}/history"):
        denied = await client.get(url, headers={**stranger, "X-Acting-For": str(enterprise)})
        assert denied.status_code == 404, denied.text
    listed = (await client.get("/mp/v1/applications", headers=auth)).json()["applications"]
    assert [a["id"] for a in listed] == [application["id"]]

    # The departments approve every item; the history tells it, matter by matter.
    assert await approve_everything(client, UUID(application["id"])) == "finished"
    history = (await client.get(f"{path}/history", headers=auth)).json()
    assert history["state"] == "finished"
    actions = [e["action"] for e in history["events"]]
    assert actions[0] == "submit"
    assert "approve" in actions
    assert actions[-1] == "finish"
    assert {e["matterCode"] for e in history["events"] if e["action"] == "approve"} == set(selected)
    assert all(e["label"] and e["actedBy"] is None for e in history["events"])
    issued = {r["licenseId"] for r in history["results"] if r["licenseId"]}
    assert len(issued) == len(selected)

    # The inbox has the news; the licenses are the enterprise's, not the person's.
    inbox = (await client.get("/mp/v1/notices", headers=own)).json()
    assert [n for n in inbox["notices"] if n["applicationId"] == application["id"]], inbox
    licenses = (await client.get("/mp/v1/licenses", headers=auth)).json()["licenses"]
    assert {lic["id"] for lic in licenses} == issued
    notice = next(lic for lic in licenses if lic["licenseType"] == "deregistration-notice")
    assert notice["forEnterprise"] is True
    assert notice["status"] == "issued"
    personal = (await client.get("/mp/v1/licenses", headers=own)).json()["licenses"]
    assert not {lic["id"] for lic in personal} & issued
    assert (await client.get(f"/mp/v1/licenses/{notice['id']}", headers=own)).status_code == 404

    # A card of the enterprise's license, verified by a second client with nobody signed in.
    card = await client.post(f"/mp/v1/licenses/{notice['id']}/cards", headers=auth,
                             json={"fields": ["enterprise_name"]})  # fmt: skip
    assert card.status_code == 201, card.text
    async with anonymous(client) as verifier:
        checked = await verifier.post("/verify", json={"token": card.json()["token"]})
    assert checked.status_code == 200, checked.text
    assert checked.json()["result"] == "authentic"
    assert [d["value"] for d in checked.json()["disclosed"]] == [name]

    assert len(statuses) > 20
    assert [s for s in statuses if s[0] >= 500] == []
    assert all(s[1].startswith(("/mp/v1/", "/verify")) for s in statuses)
