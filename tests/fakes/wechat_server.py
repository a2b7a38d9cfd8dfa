"""A local WeChat server API for tests: the app's own stand-in, served from a thread.

The protocol is ``app.platforms.standins.wechat.WeChatStandIn`` (one implementation, the
one ``make run`` serves under /dev/wechat). This module adds what only tests need: a
``FakeClock`` shared with the client under test, so expiry needs no sleeping; faults
(busy answers, tokens that die at once); a count of token fetches; and synchronous
helpers that tests call from anywhere.
"""

from __future__ import annotations

from typing import Any, Self

from app.platforms.standins import MemoryStore, WeChatStandIn
from app.platforms.standins.wechat import ERRMSG, LOGIN_CODE_SECONDS, PHONE_CODE_SECONDS
from tests.fakes._http import LoopThread, serve_standin

__all__ = ["ERRMSG", "LOGIN_CODE_SECONDS", "PHONE_CODE_SECONDS", "FakeClock", "FakeWeChat"]


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        self.now += seconds


class FakeWeChat(WeChatStandIn):
    """WeChat's server API for one mini-program, served on 127.0.0.1."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        clock: FakeClock,
        token_seconds: int = 7200,
        rate_limit_per_minute: int | None = None,
        country_code_as_number: bool = False,
    ) -> None:
        super().__init__(
            app_id=app_id,
            app_secret=app_secret,
            store=MemoryStore(),
            clock=clock,
            token_seconds=token_seconds,
            rate_limit_per_minute=rate_limit_per_minute,
            country_code_as_number=country_code_as_number,
        )
        self.busy_answers = 0  # the next N calls answer errcode -1
        self.revoke_tokens_on_issue = False  # every new token is dead at once
        self.token_requests = 0
        self._loop = LoopThread()
        self.server = serve_standin(self.handle, self._loop)

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()
        self._loop.stop()

    @property
    def base_url(self) -> str:
        """Where the client under test should send its requests."""
        return self.server.base_url

    def subscribe(self, openid: str, template_id: str, count: int = 1) -> None:
        """The user tapped "allow" ``count`` times (``wx.requestSubscribeMessage``)."""
        self._loop.run(self.add_subscriptions(openid, template_id, count))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every subscribe message WeChat accepted, as sent."""
        return self._loop.run(self.sent_messages())

    def revoke_tokens(self) -> None:
        """End every token now, as a secret reset or another token fetch does."""
        self._loop.run(self.end_tokens())

    def expire_tokens(self) -> None:
        """Make every token expire now (WeChat's clock and the client's may disagree)."""
        self._loop.run(self.expire_tokens_now())

    def encrypt_for(self, openid: str, data: dict[str, Any]) -> tuple[str, str]:
        """(encryptedData, iv) of ``data`` under the user's latest session key, watermarked."""
        return self._loop.run(self.encrypt_user_data(openid, data))

    async def _fault(self) -> int | None:
        if self.busy_answers:
            self.busy_answers -= 1
            return -1
        return None

    async def _token_issued(self, token: str) -> None:
        self.token_requests += 1
        if self.revoke_tokens_on_issue:
            await self.end_tokens()
