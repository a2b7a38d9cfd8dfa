"""Draft tables: an application being prepared, and the materials uploaded for it.

A draft belongs to the person who started it and, when they act for an enterprise, to that
enterprise too. The form's values (which may hold ID numbers from the records) are stored
sealed — encrypted as one document bound to the draft — never as clear columns.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import UUIDv7AuditBase


class DraftStage(StrEnum):
    """How far the applicant has come; each step's page is reachable once it is reached."""

    QUESTIONS = "questions"
    NOTICE = "notice"
    CONSENT = "consent"
    FORM = "form"
    MATERIALS = "materials"
    REVIEW = "review"


STAGE_ORDER = tuple(DraftStage)


class ConsentDecision(StrEnum):
    """What the applicant said to reading their shared records for this draft."""

    GRANTED = "granted"
    DECLINED = "declined"


class Draft(UUIDv7AuditBase):
    """An application being prepared for one bundle (一件事)."""

    __tablename__ = "draft"
    __table_args__ = (Index("ix_draft_owner", "person_id", "enterprise_id", "bundle_code"),)

    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    enterprise_id: Mapped[UUID | None] = mapped_column(ForeignKey("enterprise.id"), default=None)
    bundle_code: Mapped[str] = mapped_column(String(64))
    stage: Mapped[DraftStage] = mapped_column(String(16), default=DraftStage.QUESTIONS)
    answers: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    deselected: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent: Mapped[ConsentDecision | None] = mapped_column(String(16), default=None)
    # Proofs found in the records (``record:birth-medical``): materials they prove are not asked.
    proofs: Mapped[list[str]] = mapped_column(JSON, default=list)
    sealed_values: Mapped[str | None] = mapped_column(Text, default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class DraftUpload(UUIDv7AuditBase):
    """One uploaded file for one material of a draft (re-encoded; EXIF removed)."""

    __tablename__ = "draft_upload"

    draft_id: Mapped[UUID] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    material_code: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
