"""Relatives' and guardianships' services for the pages (resident and staff channels)."""

from __future__ import annotations

from litestar.di import Provide

from app.web.providers.assist import (
    provide_authorizations,
    provide_confirmation_codes,
    provide_guardianships,
    provide_relatives,
)

ACTING = "/me/acting-for"

MINE = "/me/authorizations"

STAFF = "/staff/guardianships"


DEPENDENCIES = {
    "authorizations": Provide(provide_authorizations, sync_to_thread=False),
    "relatives": Provide(provide_relatives, sync_to_thread=False),
    "guardianships": Provide(provide_guardianships, sync_to_thread=False),
    "codes": Provide(provide_confirmation_codes, sync_to_thread=False),
}
