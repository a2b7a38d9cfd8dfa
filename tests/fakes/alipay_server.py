"""A local Alipay gateway for tests: the app's own stand-in, served from a thread.

The protocol is ``app.platforms.standins.alipay.AlipayStandIn`` (one implementation, the
one ``make run`` serves under /dev/alipay; its RSA2 code is kept apart from the client's
on purpose). This module adds what only tests need: a record of every request and
refusal, faults (busy answers, answers changed after signing, unsigned answers, answers
written with spaces and escaped slashes), and synchronous helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Self

import msgspec
from cryptography.hazmat.primitives.asymmetric import rsa

from app.platforms.standins import AlipayStandIn, MemoryStore
from app.platforms.standins.alipay import (
    AUTH_CODE_LIFETIME,
    BEIJING,
    ERRORS,
    MESSAGE_METHOD,
    SIGN_IN_METHOD,
    TIMESTAMP_TOLERANCE,
)
from app.platforms.standins.demo import new_rsa_key, private_pem, public_pem
from tests.fakes._http import LoopThread, serve_standin

__all__ = [
    "AUTH_CODE_LIFETIME",
    "BEIJING",
    "ERRORS",
    "MESSAGE_METHOD",
    "SIGN_IN_METHOD",
    "TIMESTAMP_TOLERANCE",
    "FakeAlipayGateway",
    "new_rsa_key",
    "private_pem",
    "public_pem",
]


class FakeAlipayGateway(AlipayStandIn):
    """Alipay's gateway for one app, served on 127.0.0.1."""

    def __init__(
        self,
        *,
        app_id: str,
        app_public_key: rsa.RSAPublicKey,
        alipay_private_key: rsa.RSAPrivateKey,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(
            app_id=app_id,
            app_public_key=app_public_key,
            alipay_private_key=alipay_private_key,
            store=MemoryStore(),
            now=now,
        )
        self.tamper_next_answer = False  # change the member after signing it
        # Write answers with spaces and escaped slashes: valid JSON that a client which
        # re-serializes before verifying would fail on (the raw text is what is signed).
        self.spaced_answers = False
        self.unsigned_next_answer = False
        self.busy_answers = 0
        self._requests: list[dict[str, str]] = []
        self._refusals: list[str] = []
        self._loop = LoopThread()
        self.server = serve_standin(self.handle, self._loop)

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()
        self._loop.stop()

    @property
    def gateway_url(self) -> str:
        """The ``gateway.do`` address for the client under test."""
        return f"{self.server.base_url}/gateway.do"

    @property
    def requests(self) -> list[dict[str, str]]:
        """Every request's parameters, as received."""
        return list(self._requests)

    @property
    def refusals(self) -> list[str]:
        """The sub_code of every refusal, in order."""
        return list(self._refusals)

    def allow_messages(self, user_id: str, count: int = 1) -> None:
        """The user subscribed to ``count`` more template messages."""
        self._loop.run(self.add_subscriptions(user_id, count))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every template message accepted, as its biz_content."""
        return self._loop.run(self.sent_messages())

    def _received(self, params: Mapping[str, str]) -> None:
        self._requests.append(dict(params))

    def _refused(self, sub_code: str) -> None:
        self._refusals.append(sub_code)

    def _fault(self) -> str | None:
        if self.busy_answers:
            self.busy_answers -= 1
            return "isp.unknow-error"
        return None

    def _member_text(self, member: Mapping[str, Any]) -> str:
        if not self.spaced_answers:
            return super()._member_text(member)
        text = msgspec.json.format(msgspec.json.encode(member), indent=1).decode()
        return text.replace("/", "\\/")

    def _body(self, name: str, text: str, sign: str) -> str:
        if self.tamper_next_answer:
            self.tamper_next_answer = False
            # Another user's id where there is one; else one harmless space more.
            text = (
                text.replace('"user_id":"', '"user_id":"9', 1)
                if '"user_id":"' in text
                else text.replace(":", ": ", 1)
            )
        if self.unsigned_next_answer:
            self.unsigned_next_answer = False
            return f'{{"{name}":{text}}}'
        return super()._body(name, text, sign)
