"""The periodic proactive-benefit check, as the worker runs it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from app.benefits.rules import default_benefits
from app.benefits.service import BenefitService
from app.protection import DataProtector
from app.records.exchange import RecordExchange
from app.records.service import RecordsService
from app.wallet.service import CHINA


async def run_benefit_checks(
    sessionmaker: async_sessionmaker[Any],
    *,
    records_exchange: RecordExchange,
    protector: DataProtector,
) -> int:
    """Check every consenting subject once, in one transaction; returns offers made."""
    async with sessionmaker() as db, db.begin():
        records = RecordsService(db, records_exchange, protector)
        service = BenefitService(db, records=records, benefits=default_benefits())
        return await service.check_everyone(today=datetime.now(CHINA).date())
