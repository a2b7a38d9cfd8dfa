"""The periodic proactive-benefit check, as the worker runs it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.benefits.rules import default_benefits
from app.benefits.service import BenefitService
from app.commands.registry import protector_for
from app.composition.runtime import records_exchange_for
from app.config import Settings
from app.records.exchange import RecordExchange
from app.records.service import RecordsService
from app.wallet.service import CHINA


async def run_benefit_checks(
    settings: Settings,
    sessionmaker: async_sessionmaker[Any],
    *,
    exchange: RecordExchange | None = None,
) -> int:
    """Check every consenting subject once, in one transaction; returns offers made."""
    async with httpx.AsyncClient(timeout=settings.outbound_timeout_seconds) as http:
        records_exchange = exchange or records_exchange_for(settings, http)
        async with sessionmaker() as db, db.begin():
            records = RecordsService(db, records_exchange, protector_for(settings))
            service = BenefitService(db, records=records, benefits=default_benefits())
            return await service.check_everyone(today=datetime.now(CHINA).date())
