"""A step of the draft asked for too early is refused naming the step to finish first."""

from __future__ import annotations

from app.applications.drafts import STEP_MISSING, STEP_MISSING_CODE, step_missing
from app.applications.models import Draft, DraftStage


def test_each_unfinished_step_has_its_own_code_step_and_message() -> None:
    refusals = [step_missing(Draft(stage=stage)) for stage in DraftStage]
    assert {r.code for r in refusals} == {STEP_MISSING_CODE}
    assert [r.details["step"] for r in refusals] == [str(stage) for stage in DraftStage]
    assert len({r.message for r in refusals}) == len(DraftStage) == len(STEP_MISSING)


def test_a_draft_at_its_materials_is_told_to_provide_them_not_to_answer_questions() -> None:
    refusal = step_missing(Draft(stage=DraftStage.MATERIALS))
    assert refusal.details["step"] == "materials"
    assert "materials" in refusal.message
