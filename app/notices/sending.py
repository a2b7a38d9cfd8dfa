"""The push channels behind one call: WeChat subscribe messages, Alipay template messages, SMS.

Each attempt ends in one of three outcomes. ``SENT``; ``PERMANENT`` (never retry: the user
has no subscription left, the channel is off, the person has no account there, the provider
refuses the message itself); ``TRANSIENT`` (retry later with the same idempotency key).
Push texts carry only what the templates hold: a title, the application number and a
status word; never a name, an ID number or a phone number.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec
import structlog

from app.errors import Unavailable
from app.notices.models import DeliveryChannel, Notice
from app.notices.texts import render, text_for
from app.platforms.alipay import AlipayBusinessRefused, AlipayClient
from app.platforms.errors import ProviderMisconfigured, ProviderResponseInvalid
from app.platforms.sms import SmsGateway, SmsRefused
from app.platforms.wechat import SubscriptionRefused, WeChatClient

log = structlog.get_logger(__name__)

# WeChat's subscribe-message field limits (NOTES): thing ≤ 20, phrase ≤ 5, character_string ≤ 32.
_LIMITS: Final = {"thing1": 20, "character_string2": 32, "phrase3": 5}


class Outcome(StrEnum):
    """How one attempt ended."""

    SENT = "sent"
    PERMANENT = "permanent"
    TRANSIENT = "transient"


class Attempt(msgspec.Struct, frozen=True):
    """The outcome and a short reason for the record (never personal data)."""

    outcome: Outcome
    reason: str = ""


class Recipient(msgspec.Struct, frozen=True, kw_only=True):
    """Where the person can be reached, read from the database by the job (never queued)."""

    locale: str
    phone: str | None = None
    wechat_openid: str | None = None
    alipay_user_id: str | None = None


class Senders:
    """The configured channels; a channel left unset sends nothing and fails its deliveries."""

    def __init__(
        self,
        *,
        sms: SmsGateway,
        wechat: WeChatClient | None = None,
        wechat_template_id: str | None = None,
        alipay: AlipayClient | None = None,
        alipay_template_id: str | None = None,
    ) -> None:
        self._sms = sms
        self._wechat = wechat if wechat_template_id else None
        self._wechat_template = wechat_template_id or ""
        self._alipay = alipay if alipay_template_id else None
        self._alipay_template = alipay_template_id or ""

    def reachable(self, channel: DeliveryChannel, to: Recipient) -> bool:
        """Whether ``channel`` is on and the person has an address there."""
        if channel is DeliveryChannel.WECHAT:
            return self._wechat is not None and to.wechat_openid is not None
        if channel is DeliveryChannel.ALIPAY:
            return self._alipay is not None and to.alipay_user_id is not None
        return channel is DeliveryChannel.SMS and to.phone is not None

    async def send(
        self, channel: DeliveryChannel, notice: Notice, to: Recipient, *, idempotency_key: str
    ) -> Attempt:
        """One attempt on ``channel``; provider errors become outcomes, never exceptions."""
        channel = DeliveryChannel(channel)  # the column reads back as a plain string
        try:
            if channel is DeliveryChannel.WECHAT:
                return await self._wechat_send(notice, to)
            if channel is DeliveryChannel.ALIPAY:
                return await self._alipay_send(notice, to)
            if channel is DeliveryChannel.SMS:
                return await self._sms_send(notice, to, idempotency_key)
        except (SubscriptionRefused, AlipayBusinessRefused, SmsRefused) as exc:
            return Attempt(Outcome.PERMANENT, type(exc).__name__)
        except (ProviderMisconfigured, ProviderResponseInvalid) as exc:
            # An operator must act (keys, template); retrying soon would change nothing.
            return Attempt(Outcome.PERMANENT, type(exc).__name__)
        except Unavailable as exc:  # busy, unreachable: try again later
            return Attempt(Outcome.TRANSIENT, type(exc).__name__)
        return Attempt(Outcome.PERMANENT, "no_such_channel")

    async def _wechat_send(self, notice: Notice, to: Recipient) -> Attempt:
        if self._wechat is None:
            return Attempt(Outcome.PERMANENT, "channel_off")
        if to.wechat_openid is None:
            return Attempt(Outcome.PERMANENT, "no_account")
        await self._wechat.send_subscribe_message(
            openid=to.wechat_openid,
            template_id=self._wechat_template,
            page=mini_program_page(notice),
            data=template_fields(notice, to.locale),
            lang="en_US" if to.locale == "en" else "zh_CN",
        )
        return Attempt(Outcome.SENT)

    async def _alipay_send(self, notice: Notice, to: Recipient) -> Attempt:
        if self._alipay is None:
            return Attempt(Outcome.PERMANENT, "channel_off")
        if to.alipay_user_id is None:
            return Attempt(Outcome.PERMANENT, "no_account")
        await self._alipay.send_template_message(
            to_user_id=to.alipay_user_id,
            template_id=self._alipay_template,
            page=mini_program_page(notice),
            data=template_fields(notice, to.locale),
        )
        return Attempt(Outcome.SENT)

    async def _sms_send(self, notice: Notice, to: Recipient, key: str) -> Attempt:
        if to.phone is None:
            return Attempt(Outcome.PERMANENT, "no_phone")
        text = render(notice.body_id, notice.params, to.locale)
        await self._sms.send_notice(to.phone, text, locale=to.locale, idempotency_key=key)
        return Attempt(Outcome.SENT)


def mini_program_page(notice: Notice) -> str:
    """The mini-program page a push opens: what the notice is about, by id (no personal data).

    A notice about no application opens the mini-program's inbox.
    """
    if notice.application_id is not None:
        return f"pages/applications/detail?id={notice.application_id}"
    return "pages/messages/index"


def template_fields(notice: Notice, locale: str) -> dict[str, str]:
    """The template's fields in ``locale``, each cut to WeChat's limit for its type."""
    text = text_for(notice.kind)
    status = render(text.status, {}, locale) if text else ""
    values = {
        "thing1": render(notice.title_id, notice.params, locale),
        "character_string2": notice.params.get("number", ""),
        "phrase3": status,
    }
    return {key: _cut(value, _LIMITS[key]) for key, value in values.items()}


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
