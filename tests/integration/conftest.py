"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.composition.runtime import Runtime
from tests.integration.application_support import loaded_catalog


@pytest.fixture
def apps(client: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    """The app with the small test catalog of application_support (one bundle, four matters)."""
    runtime: Runtime = client.app.state.runtime
    runtime.catalog = loaded_catalog()
    return client
