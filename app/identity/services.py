"""Identity services: the only place identity rules live."""

from __future__ import annotations

from collections.abc import Sequence

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService

from app.identity.models import Department


class DepartmentService(SQLAlchemyAsyncRepositoryService[Department]):
    """Departments, read by everyone; written only by the catalog loader and administrators."""

    class Repo(SQLAlchemyAsyncRepository[Department]):
        """Department repository."""

        model_type = Department

    repository_type = Repo

    async def in_display_order(self) -> Sequence[Department]:
        """All departments in the order the city lists them."""
        return await self.get_many(order_by=[("sort_order", False), ("code", False)])
