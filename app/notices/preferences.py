"""Notice preferences: the push channels a person wants, in order, and routing by them.

The in-app inbox always gets every notice. Of the push channels a person picks some (or
none) and orders them; a push delivery goes to the first of them the person can be reached
on, and when that channel fails for good the next one takes over (``route``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Final
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import RuleViolation
from app.i18n import N_
from app.notices.models import DeliveryChannel
from app.notices.preference_models import NoticePreference

# Someone who never chose: the mini-program's own channels first, then a text message.
DEFAULT_ORDER: Final = (DeliveryChannel.WECHAT, DeliveryChannel.ALIPAY, DeliveryChannel.SMS)
PUSH_CHOICES: Final = frozenset(DEFAULT_ORDER)

UNKNOWN_CHANNEL: Final = N_("Choose among WeChat, Alipay and text message.")
REPEATED_CHANNEL: Final = N_("Each channel can appear only once.")
REPEATED_RANK: Final = N_("Give each channel you keep a different place in the order.")


def parse_order(channels: Sequence[str]) -> list[DeliveryChannel]:
    """The push channels in the given order; unknown or repeated ones break the rule."""
    if any(channel not in PUSH_CHOICES for channel in channels):
        raise RuleViolation(UNKNOWN_CHANNEL, fields={"channels": UNKNOWN_CHANNEL})
    if len(set(channels)) != len(channels):
        raise RuleViolation(REPEATED_CHANNEL, fields={"channels": REPEATED_CHANNEL})
    return [DeliveryChannel(channel) for channel in channels]


def order_from_ranks(ranks: Mapping[str, str]) -> list[DeliveryChannel]:
    """The web form's answer (channel → "1", "2", "3" or "" for off) as an order."""
    chosen: dict[int, str] = {}
    for channel in DEFAULT_ORDER:
        rank = ranks.get(channel, "").strip()
        if not rank:
            continue
        if not rank.isdigit() or not 1 <= int(rank) <= len(DEFAULT_ORDER):
            raise RuleViolation(fields={channel: UNKNOWN_CHANNEL})
        if int(rank) in chosen:
            raise RuleViolation(fields={channel: REPEATED_RANK})
        chosen[int(rank)] = channel
    return parse_order([chosen[rank] for rank in sorted(chosen)])


def route(
    order: Sequence[DeliveryChannel],
    reachable: Callable[[DeliveryChannel], bool],
    tried: Collection[DeliveryChannel],
) -> DeliveryChannel | None:
    """The first channel in ``order`` not tried for this notice that can reach the person."""
    for channel in order:
        if channel not in tried and reachable(channel):
            return channel
    return None


class NoticePreferences:
    """Reading and saving one person's push channels."""

    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def order(self, person_id: UUID) -> list[DeliveryChannel]:
        """The person's push channels, the preferred first (the default if never chosen)."""
        row = await self._row(person_id)
        if row is None:
            return list(DEFAULT_ORDER)
        # A channel this version no longer knows is skipped rather than failing a delivery.
        return [DeliveryChannel(c) for c in row.channels if c in PUSH_CHOICES]

    async def save(self, person_id: UUID, channels: Sequence[str]) -> list[DeliveryChannel]:
        """Keep ``channels`` (in order; empty: the inbox only) as the person's choice."""
        order = parse_order(channels)
        row = await self._row(person_id)
        if row is None:
            self._db.add(NoticePreference(person_id=person_id, channels=[str(c) for c in order]))
        else:
            row.channels = [str(c) for c in order]
        await self._db.flush()
        return order

    async def _row(self, person_id: UUID) -> NoticePreference | None:
        return await self._db.scalar(
            select(NoticePreference).where(NoticePreference.person_id == person_id)
        )
