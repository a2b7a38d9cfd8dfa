"""One resident's way through a bundle over HTTP, as a browser without JavaScript walks it.

Used by the runner (httpx) to prepare sessions and by locust users (requests) to submit: both
clients offer ``get``/``post`` with ``data`` and ``files`` and answer ``status_code``,
``headers`` and ``text``, which is all this module touches.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol

# Sample answers by field kind, as tests/browser/test_one_thing_journey.py fills them.
SAMPLES = {
    "date": "2026-11-10",
    "number": "12",
    "money": "1000",
    "textarea": "示例说明",
    "text": "示例",
    "credit-code": "91350100M000100Y43",
}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')
_APPLICATION = re.compile(r"^/me/applications/([0-9a-f-]{36})$")


class JourneyError(RuntimeError):
    """A step answered something the journey cannot go on from."""


class Response(Protocol):
    """What both httpx and requests responses offer."""

    status_code: int
    headers: Any
    text: str


# httpx.Client or locust's HttpSession: both take ``get``/``post`` with ``data`` and ``files``;
# their other keyword arguments differ, which the caller's ``Options`` supply.
Client = Any


@dataclass
class _Form:
    action: str
    css: str
    files: list[str] = field(default_factory=list)


class _Page(HTMLParser):
    """The fields of the merged form and the upload forms of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, tuple[str, list[str]]] = {}
        self.forms: list[_Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "form":
            self.forms.append(_Form(a.get("action", ""), a.get("class", "")))
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, ("select", []))
        elif tag == "option" and self._select and a.get("value"):
            self.fields[self._select][1].append(a["value"])
        elif tag == "input" and a.get("type") == "file" and self.forms and name:
            self.forms[-1].files.append(name)
        elif tag == "input" and a.get("type") == "radio" and name:
            self.fields.setdefault(name, ("radio", []))[1].append(a.get("value", ""))
        elif tag in ("input", "textarea") and name and "data-kind" in a and "readonly" not in a:
            self.fields[name] = (a["data-kind"], [a.get("value", "")])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def parse(html: str) -> _Page:
    """The page's merged-form fields and forms."""
    page = _Page()
    page.feed(html)
    return page


def sample_id_number(serial: int) -> str:
    """A made-up ID number with a right check character (GB 11643), built, never stored."""
    body = f"110105{1950 + serial % 50:04d}0101{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    check = (12 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


def sample_phone(serial: int) -> str:
    """A made-up mobile number, built at run time."""
    return "139" + f"{serial % 10**8:08d}"


def filled(page: _Page, serial: int) -> dict[str, str]:
    """Answers for every open field: the first choice, or a sample of the field's kind."""
    data: dict[str, str] = {}
    for name, (kind, values) in page.fields.items():
        if kind in ("select", "radio"):
            data[name] = "yes" if "yes" in values else (values[0] if values else "")
        elif values and values[0]:
            continue  # already filled (autosaved, or from records)
        elif kind == "phone":
            data[name] = sample_phone(serial)
        elif kind == "id-number":
            data[name] = sample_id_number(serial)
        else:
            data[name] = SAMPLES.get(kind, "示例")
    return data


def scan_jpeg() -> bytes:
    """A small white JPEG, the 'scan' uploaded where a material is still needed."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, "JPEG")
    return out.getvalue()


def _expect(response: Response, status: int, step: str) -> Response:
    if response.status_code != status:
        raise JourneyError(f"{step} answered {response.status_code}")
    return response


Options = Callable[[str], dict[str, Any]]  # a step's name -> the client's extra arguments


def start_draft(
    client: Client, csrf: str, bundle: str, answers: dict[str, list[str]], kw: Options
) -> str:
    """A new draft of ``bundle`` taken through questions, notice and consent: its path."""
    started = _expect(
        client.post(
            "/me/drafts", data={"bundle": bundle, "_csrf_token": csrf}, **kw("start a draft")
        ),
        303,
        "starting a draft",
    )
    draft = str(started.headers["location"]).rsplit("/", 1)[0]
    form: dict[str, Any] = {f"q.{k}": v for k, v in answers.items()}
    form["_csrf_token"] = csrf
    _expect(
        client.post(f"{draft}/questions", data=form, **kw("answer questions")), 303, "the questions"
    )
    _expect(
        client.post(f"{draft}/notice", data={"_csrf_token": csrf}, **kw("read notice")),
        303,
        "the notice",
    )
    agree = {"decision": "agree", "_csrf_token": csrf}
    _expect(client.post(f"{draft}/consent", data=agree, **kw("consent")), 303, "the consent")
    return draft


def complete_and_submit(client: Client, csrf: str, draft: str, serial: int, kw: Options) -> str:
    """Fill the merged form, upload what is still needed, submit twice with one key.

    Returns the application's id. The second post repeats the first with the same
    ``idempotency_key`` (a double tap, a retry after a lost answer) and must land on the
    same application.
    """
    page = parse(_expect(client.get(f"{draft}/form", **kw("merged form")), 200, "the form").text)
    data = filled(page, serial) | {"_csrf_token": csrf}
    _expect(client.post(f"{draft}/form", data=data, **kw("save form")), 303, "saving the form")
    materials = parse(
        _expect(client.get(f"{draft}/materials", **kw("materials")), 200, "materials").text
    )
    for upload in (f for f in materials.forms if "upload" in f.css and f.files):
        files = {upload.files[0]: ("scan.jpg", scan_jpeg(), "image/jpeg")}
        sent = client.post(upload.action, data={"_csrf_token": csrf}, files=files, **kw("upload"))
        _expect(sent, 303, "an upload")
    _expect(
        client.post(f"{draft}/materials", data={"_csrf_token": csrf}, **kw("materials done")),
        303,
        "materials",
    )
    review = _expect(client.get(f"{draft}/review", **kw("review")), 200, "the review")
    found = _IDEMPOTENCY.search(review.text)
    if found is None:
        raise JourneyError("the review page carries no idempotency key")
    body = {
        "draft_id": draft.rsplit("/", 1)[1],
        "idempotency_key": found.group(1),
        "delivery": "electronic",
        "_csrf_token": csrf,
    }
    first = _expect(client.post("/me/applications", data=body, **kw("submit")), 303, "submitting")
    again = _expect(
        client.post("/me/applications", data=body, **kw("submit again")), 303, "submitting again"
    )
    location = str(first.headers["location"])
    if str(again.headers["location"]) != location:
        raise JourneyError("the same idempotency key made a second application")
    matched = _APPLICATION.match(location)
    if matched is None:
        raise JourneyError(f"submitting led to {location}")
    return matched.group(1)
