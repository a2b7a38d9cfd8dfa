"""Before the load: sign the demo residents in and walk each through one submission.

Residents sign in through the real SMS form (the code read from the developer outbox, as
tests/conftest.py ``sign_in_as`` and bench/bench_auth.py do) and verify their real name;
nothing is added to the app for the load run. A resident whose journey fails here is left
out of the mix with a notice, so that one catalog change does not void the whole run.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from load import journey

_CODE = re.compile(r'class="code">(\d{6})<')
_LICENSE = re.compile(r'href="/me/licenses/([0-9a-f-]{36})"')


@dataclass(frozen=True)
class Resident:
    """A demo resident (app/demo/population.toml) and the bundle they apply for."""

    phone: str
    name: str
    id_number: str
    bundle: str


def _phone(prefix: str, suffix: str) -> str:
    # Built from parts: the demo accounts' numbers, never written out whole in code.
    return prefix + suffix


# As tests/browser/test_one_thing_journey.py pairs them.
RESIDENTS = (
    Resident(_phone("1380013", "8000"), "张伟", "310115198503120418", "newborn"),
    Resident(_phone("1380013", "8001"), "李娜", "110105199007071236", "newborn"),
    Resident(_phone("1380013", "8002"), "王芳", "44030519780215256X", "second-hand-housing"),
    Resident(_phone("1370000", "0303"), "陈静", "350203199511203186", "business-startup"),
    Resident(_phone("1370000", "0301"), "赵建国", "430104196605181835", "retirement"),
    Resident(_phone("1370000", "0302"), "刘洋", "510107196209030719", "disability-services"),
)


@dataclass
class Session:
    """A signed-in resident as the locust users share it (written to a JSON file)."""

    sid: str
    csrf: str
    bundle: str
    answers: dict[str, list[str]]
    draft: str  # a parked draft of another bundle at its merged form ("" if none could be)
    form: dict[str, str]  # the answers that complete that form
    cards: list[str] = field(default_factory=list)  # card.png paths of their licenses
    applications: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """For the sessions file."""
        return asdict(self)


def first_answers(bundle_code: str) -> dict[str, list[str]]:
    """The questionnaire answered with each shown question's first option."""
    from app.catalog.engine import visible_questions
    from app.catalog.loader import load_catalog

    bundle = load_catalog().catalog.bundles[bundle_code]
    answers: dict[str, list[str]] = {}
    for _ in range(len(bundle.questions) + 1):
        open_ = [q for q in visible_questions(bundle, answers) if q.key not in answers]
        if not open_:
            break
        answers[open_[0].key] = [open_[0].options[0].value]
    shown = {q.key for q in visible_questions(bundle, answers)}
    return {k: v for k, v in answers.items() if k in shown}


def _no_redirects(_step: str) -> dict[str, Any]:
    return {}


def sign_in(client: httpx.Client, resident: Resident) -> str:
    """Sign in and verify the real name; the CSRF token to post with."""
    client.get("/sign-in").raise_for_status()
    csrf = client.cookies["csrftoken"]
    sent = client.post("/sign-in/code", data={"phone": resident.phone, "_csrf_token": csrf})
    if sent.status_code != httpx.codes.OK:
        raise journey.JourneyError(f"asking for a code answered {sent.status_code}")
    found = _CODE.search(client.get("/dev/sms-outbox").text)
    if found is None:
        raise journey.JourneyError("no code in the developer outbox")
    form = {"phone": resident.phone, "code": found.group(1), "_csrf_token": csrf}
    if client.post("/sign-in/verify", data=form).status_code != httpx.codes.SEE_OTHER:
        raise journey.JourneyError("the code was refused")
    real = {"name": resident.name, "id_number": resident.id_number, "_csrf_token": csrf}
    client.post("/me/real-name", data=real)
    return str(csrf)


def card_token(client: httpx.Client | Any, path: str, **kw: Any) -> str | None:
    """The token in the QR code of a card image, as a verifier's camera reads it."""
    import zxingcpp
    from PIL import Image

    image = client.get(path, **kw)
    if image.status_code != httpx.codes.OK:
        return None
    codes = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(image.content)),
        formats=zxingcpp.BarcodeFormat.QRCode,  # type: ignore[arg-type]  # one format is a set of one
    )
    return codes[0].text.rsplit("/v/", 1)[1] if codes else None


def _park(
    client: httpx.Client, csrf: str, bundle: str, own: str, serial: int
) -> tuple[str, dict[str, str]]:
    """A draft of another bundle than the one submitted, left at its merged form."""
    if bundle == own:
        bundle = next(r.bundle for r in RESIDENTS if r.bundle != own)
    try:
        draft = journey.start_draft(client, csrf, bundle, first_answers(bundle), _no_redirects)
        page = journey.parse(client.get(f"{draft}/form").text)
    except (journey.JourneyError, httpx.HTTPError) as exc:
        print(f"NOTICE: no parked draft of {bundle}: {exc}")
        return "", {}
    return draft, journey.filled(page, serial)


def prepare(base_url: str, serial: int = 0) -> list[Session]:
    """Every demo resident whose journey works, signed in, with one application made."""
    sessions: list[Session] = []
    for index, resident in enumerate(RESIDENTS):
        with httpx.Client(base_url=base_url, timeout=30.0) as client:
            try:
                csrf = sign_in(client, resident)
                answers = first_answers(resident.bundle)
                draft = journey.start_draft(client, csrf, resident.bundle, answers, _no_redirects)
                made = journey.complete_and_submit(client, csrf, draft, serial + index,
                                                   _no_redirects)  # fmt: skip
            except (journey.JourneyError, httpx.HTTPError, KeyError) as exc:
                print(f"NOTICE: {resident.bundle} left out of the mix: {exc}")
                continue
            draft, form = _park(client, csrf, RESIDENTS[(index + 1) % len(RESIDENTS)].bundle,
                                resident.bundle, serial + index)  # fmt: skip
            cards = [f"/me/licenses/{lid}/card.png?f=name" for lid in
                     dict.fromkeys(_LICENSE.findall(client.get("/wallet").text))]  # fmt: skip
            sessions.append(
                Session(
                    sid=str(client.cookies["sid"]),
                    csrf=csrf,
                    bundle=resident.bundle,
                    answers=answers,
                    draft=draft,
                    form=form,
                    cards=cards,
                    applications=[made],
                )
            )
    return sessions
