"""Tables of the OpenID provider: registered relying parties and remembered consent."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import UUIDv7AuditBase


class OidcClient(UUIDv7AuditBase):
    """An app that signs its users in through OneThing (a relying party, 接入应用).

    A confidential client has a ``secret_hash``; a public one (a mobile or single-page app)
    has none and must use PKCE, as every client here must anyway.
    """

    __tablename__ = "oidc_client"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Compared character for character with the request's redirect_uri: no prefixes, no wildcards.
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    # SHA-256 of the secret (hex). The secret is random and long, so a fast hash suffices.
    secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class OidcConsent(UUIDv7AuditBase):
    """What a person allowed one client to know: the granted scopes, space-separated.

    One row per person and client; ``updated_at`` is when the person last decided.
    Deleting the row revokes the consent, and the client's access tokens stop working.
    """

    __tablename__ = "oidc_consent"
    __table_args__ = (UniqueConstraint("person_id", "client_id"),)

    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    client_id: Mapped[UUID] = mapped_column(
        ForeignKey("oidc_client.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[str] = mapped_column(String(200))
