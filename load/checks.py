"""After the load: what the run left in the database, read directly (not through the app).

- every submission the users made is exactly one application, the one they were shown;
- the notice outbox drains: no delivery is still pending once the load stops (waited for up
  to a bound), and the lag from a notice's creation to its delivery's end is measured.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import func, select

from app.config import Settings


@dataclass
class Outcome:
    """What the checks found."""

    submissions: int = 0
    wrong_submissions: list[str] = field(default_factory=list)
    applications_total: int = 0
    pending_deliveries: int = 0
    drain_seconds: float = 0.0
    # Seconds from a notice's creation to its push delivery's end (sent or delivered). The
    # in-app delivery is written sent in the notice's own transaction, so it has no lag.
    lags: list[float] = field(default_factory=list)
    deliveries_by_status: dict[str, int] = field(default_factory=dict)


async def _submissions(settings: Settings, ledger: list[dict[str, str]], out: Outcome) -> None:
    import app.composition.models  # noqa: F401  (every table, so that foreign keys know their types)
    from app.applications.case_models import Application
    from app.composition.build import create_engine

    engine = create_engine(settings)
    try:
        async with engine.connect() as db:
            out.applications_total = int(
                await db.scalar(select(func.count()).select_from(Application)) or 0
            )
            for entry in ledger:
                rows = (
                    await db.execute(
                        select(Application.id).where(Application.draft_id == UUID(entry["draft"]))
                    )
                ).all()
                out.submissions += 1
                if [str(r.id) for r in rows] != [entry["application"]]:
                    out.wrong_submissions.append(entry["draft"])
    finally:
        await engine.dispose()


async def _outbox(settings: Settings, drain_timeout: float, out: Outcome) -> None:
    import app.composition.models  # noqa: F401
    from app.composition.build import create_engine
    from app.notices.models import Delivery, DeliveryChannel, DeliveryStatus, Notice

    engine = create_engine(settings)
    started = time.monotonic()
    try:
        async with engine.connect() as db:
            while True:
                pending = select(func.count()).select_from(Delivery)
                out.pending_deliveries = int(
                    await db.scalar(pending.where(Delivery.status == DeliveryStatus.PENDING)) or 0
                )
                await db.rollback()  # a fresh snapshot on the next read
                if not out.pending_deliveries or time.monotonic() - started > drain_timeout:
                    break
                await asyncio.sleep(1.0)
            out.drain_seconds = time.monotonic() - started
            counts = select(Delivery.channel, Delivery.status, func.count()).group_by(
                Delivery.channel, Delivery.status
            )
            out.deliveries_by_status = {
                f"{c}/{s}": int(n) for c, s, n in (await db.execute(counts))
            }
            ended = select(Delivery.finished_at, Notice.created_at).join(
                Notice, Notice.id == Delivery.notice_id
            )
            ended = ended.where(
                Delivery.status.in_([DeliveryStatus.SENT, DeliveryStatus.DELIVERED]),
                Delivery.channel != DeliveryChannel.IN_APP,
                Delivery.finished_at.is_not(None),
            )
            out.lags = sorted(
                (done - made).total_seconds() for done, made in (await db.execute(ended)) if done
            )
    finally:
        await engine.dispose()


def check(settings: Settings, ledger: list[dict[str, str]], drain_timeout: float) -> Outcome:
    """Run both checks against the served app's database."""
    out = Outcome()
    asyncio.run(_outbox(settings, drain_timeout, out))
    asyncio.run(_submissions(settings, ledger, out))
    return out
