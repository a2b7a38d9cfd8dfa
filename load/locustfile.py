"""The load mix: residents of the demo data, signed in beforehand by ``python -m load``.

Two kinds of user share the prepared sessions (``LOAD_SESSIONS``, a JSON file):

- one ``Applicant`` per resident (a person has one open draft per bundle, so two users
  walking the same person's bundle at once would fight over one draft): walks the whole
  bundle to a submission, posted twice with one idempotency key, and follows progress;
- ``Visitor`` users, the rest: page views, the merged form of the resident's parked draft
  of another bundle and its autosaves, progress polls, the QR card (holder) and card
  verifications (a third party, no cookies).

Every submission lands in ``LOAD_LEDGER`` (JSON lines) for the runner to check afterwards.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant, task

from load import journey
from load.prepare import card_token

_SESSIONS: list[dict[str, Any]] = json.loads(Path(os.environ["LOAD_SESSIONS"]).read_text())
_APPLICANTS = itertools.count()
_VISITORS = itertools.count()
_LEDGER_LOCK = threading.Lock()
_CARD_REFRESH_SECONDS = 40.0  # cards live 60 s (ONETHING_CARD_LIFETIME_SECONDS)
_TOKENS: list[tuple[float, str]] = []  # (when read, token): shared by this process's verifiers
_SERIAL = itertools.count(1000)


def _ledger(entry: dict[str, str]) -> None:
    with _LEDGER_LOCK, Path(os.environ["LOAD_LEDGER"]).open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


class _Resident(HttpUser):
    abstract = True

    def _take(self, session: dict[str, Any]) -> None:
        self.session = session
        self.client.cookies.set("sid", session["sid"])
        self.client.cookies.set("csrftoken", session["csrf"])
        self.applications: list[str] = list(session["applications"])

    @task(3)
    def home(self) -> None:
        """首页."""
        self.client.get("/", name="page: home")

    @task(3)
    def progress(self) -> None:
        """Poll one of their applications, as the open application page does."""
        application = random.choice(self.applications)
        self.client.get(f"/me/applications/{application}", name="progress: application")


class Applicant(_Resident):
    """One per resident: walks the bundle to a submission, again and again."""

    fixed_count = len(_SESSIONS)
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        """Take the next resident's session."""
        self._take(_SESSIONS[next(_APPLICANTS) % len(_SESSIONS)])

    def _steps(self, step: str) -> dict[str, Any]:
        return {"name": f"submit: {step}", "allow_redirects": False}

    @task(4)
    def submit(self) -> None:
        """A whole bundle: draft, questions, notice, consent, form, materials, submit twice."""
        csrf, bundle = self.session["csrf"], self.session["bundle"]
        try:
            draft = journey.start_draft(self.client, csrf, bundle, self.session["answers"],
                                        self._steps)  # fmt: skip
            made = journey.complete_and_submit(self.client, csrf, draft, next(_SERIAL),
                                               self._steps)  # fmt: skip
        except journey.JourneyError as exc:
            self.environment.events.request.fire(
                request_type="JOURNEY", name="submit: journey", response_time=0,
                response_length=0, exception=exc, context={},
            )  # fmt: skip
            return
        self.applications.append(made)
        _ledger({"draft": draft.rsplit("/", 1)[1], "application": made})


class Visitor(_Resident):
    """Everyone else: browsing, the parked merged form, cards and their verification."""

    wait_time = between(0.3, 1.5)

    def on_start(self) -> None:
        """Share a resident's session, round robin."""
        self._take(_SESSIONS[next(_VISITORS) % len(_SESSIONS)])

    @task(7)
    def home(self) -> None:
        """首页."""
        self.client.get("/", name="page: home")

    @task(5)
    def services(self) -> None:
        """The catalog of life events."""
        self.client.get("/services", name="page: services")

    @task(4)
    def guide(self) -> None:
        """One bundle's public guide page (一次告知)."""
        self.client.get(f"/guide/{self.session['bundle']}", name="page: guide")

    @task(6)
    def merged_form(self) -> None:
        """The merged form (一表申请) of the parked draft."""
        if self.session["draft"]:
            self.client.get(f"{self.session['draft']}/form", name="form: view")

    @task(4)
    def autosave(self) -> None:
        """htmx autosave of part of the parked form, as typing pauses."""
        if not self.session["draft"] or not self.session["form"]:
            return
        fields = dict(random.sample(sorted(self.session["form"].items()),
                                    k=max(1, len(self.session["form"]) // 2)))  # fmt: skip
        fields["_csrf_token"] = self.session["csrf"]
        self.client.post(f"{self.session['draft']}/autosave", data=fields,
                         headers={"HX-Request": "true"}, name="form: autosave")  # fmt: skip

    @task(5)
    def progress(self) -> None:
        """Poll one of the resident's applications."""
        super().progress()

    @task(2)
    def show_card(self) -> None:
        """The holder's card page draws a fresh QR (PNG) before the last one expires."""
        fresh = [t for t in _TOKENS if time.monotonic() - t[0] < _CARD_REFRESH_SECONDS]
        if not self.session["cards"] or len(fresh) >= 4:
            return
        path = random.choice(self.session["cards"])
        token = card_token(self.client, path, name="wallet: card.png")
        if token:
            _TOKENS.append((time.monotonic(), token))
            del _TOKENS[:-16]

    @task(6)
    def verify(self) -> None:
        """A third party verifies a scanned card (public, no cookies)."""
        fresh = [t for when, t in _TOKENS if time.monotonic() - when < _CARD_REFRESH_SECONDS]
        if fresh:
            self.client.post("/verify", json={"token": random.choice(fresh)},
                             name="verify: card", cookies={})  # fmt: skip


class Flood(HttpUser):
    """The overload phase only (``python -m load`` names the classes of each phase).

    Not part of the mix: locust runs it alone after the mix, to show that a flood gets
    429/503 with Retry-After rather than errors or hangs.
    """

    wait_time = constant(0)

    def on_start(self) -> None:
        """Share a resident's session, round robin."""
        self.session = _SESSIONS[next(_VISITORS) % len(_SESSIONS)]
        self.client.cookies.set("sid", self.session["sid"])

    @task(3)
    def home(self) -> None:
        """首页."""
        self.client.get("/", name="flood: home", timeout=30)

    @task(2)
    def guide(self) -> None:
        """A guide page."""
        self.client.get(f"/guide/{self.session['bundle']}", name="flood: guide", timeout=30)

    @task(2)
    def progress(self) -> None:
        """An application page."""
        application = random.choice(self.session["applications"])
        self.client.get(f"/me/applications/{application}", name="flood: progress", timeout=30)

    @task(1)
    def health(self) -> None:
        """The liveness check must keep answering 200 (never shed)."""
        self.client.get("/healthz", name="flood: healthz", timeout=30)
