"""The one-thing rules without I/O: questionnaire, selection, merged form, notice."""

from __future__ import annotations

from app.catalog.engine import (
    ANSWER_INVALID,
    ANSWER_REQUIRED,
    NEEDED_BY_REQUIRED,
    NOT_OPTIONAL,
    ONE_ANSWER_ONLY,
    clean_answers,
    merged_field_keys,
    merged_form,
    notice,
    select_matters,
    visible_questions,
)
from app.catalog.schema import (
    Bundle,
    BundleMatter,
    Catalog,
    Condition,
    Fee,
    FieldDef,
    FieldGroup,
    FieldKind,
    FieldOption,
    Level,
    Material,
    Matter,
    MatterKind,
    Question,
    QuestionKind,
    Result,
    Text,
)
from app.records.sources import SubjectKind


def _t(s: str) -> Text:
    return Text(zh=s, en=s)


def _matter(code: str, fields: tuple[str, ...], *, days: int = 5, fee: float = 0.0,
            materials: tuple[Material, ...] = ()) -> Matter:  # fmt: skip
    return Matter(
        code=code, name=_t(code), kind=MatterKind.CONFIRMATION, department="health",
        legal_basis=(_t("law"),), scope=_t("all"), level=Level.CITY, time_limit_days=days * 2,
        promised_days=days, steps=(_t("apply"),), conditions=(_t("none"),), materials=materials,
        fields=fields,
        fees=(Fee(name=_t("fee"), amount_yuan=fee, basis=_t("rule")),) if fee else (),
        result=Result(name=_t("result")),
    )  # fmt: skip


def _option(value: str) -> FieldOption:
    return FieldOption(value=value, label=_t(value))


CERTIFICATE = Material(code="cert", name=_t("certificate"), proven_by=("record:birth-medical",))
PHOTO = Material(code="photo", name=_t("photo"))

CATALOG = Catalog(
    groups={
        "child": FieldGroup(code="child", label=_t("child"), order=20),
        "applicant": FieldGroup(code="applicant", label=_t("applicant"), order=10),
    },
    fields={
        key: FieldDef(key=key, label=_t(key), kind=FieldKind.TEXT, group=key.split(".")[0])
        for key in ("applicant.name", "applicant.phone", "child.name", "child.birth_date")
    },
    matters={
        "certificate": _matter("certificate", ("child.name", "applicant.name"), days=3,
                               materials=(CERTIFICATE,)),
        "household": _matter("household", ("child.name", "applicant.name", "applicant.phone"),
                             days=2, materials=(CERTIFICATE, PHOTO)),
        "insurance": _matter("insurance", ("applicant.name", "child.birth_date"), days=4, fee=80),
        "card": _matter("card", ("applicant.phone",), days=10),
    },
    bundles={},
    origins={},
)  # fmt: skip

BUNDLE = Bundle(
    code="newborn",
    name=_t("newborn"),
    audience=SubjectKind.PERSON,
    summary=_t("a baby"),
    lead_department="health",
    origins=(),
    questions=(
        Question(key="insured", text=_t("insured?"), options=(_option("yes"), _option("no"))),
        Question(
            key="scheme", text=_t("which scheme?"), options=(_option("urban"), _option("rural")),
            shown_when=(Condition(question="insured", any_of=("yes",)),),
        ),
        Question(key="wants", text=_t("what else?"), kind=QuestionKind.MULTIPLE,
                 options=(_option("card"), _option("nothing"))),
    ),
    matters=(
        BundleMatter(matter="certificate"),
        BundleMatter(matter="household", depends_on=("certificate",)),
        BundleMatter(matter="insurance", optional=True,
                     applies_when=(Condition(question="insured", any_of=("yes",)),)),
        BundleMatter(matter="card", optional=True, depends_on=("insurance",),
                     applies_when=(Condition(question="wants", any_of=("card",)),)),
    ),
)  # fmt: skip

ANSWERS = {"insured": ("yes",), "scheme": ("urban",), "wants": ("card",)}


def test_a_follow_up_question_shows_only_after_the_answer_that_asks_for_it() -> None:
    assert [q.key for q in visible_questions(BUNDLE, {})] == ["insured", "wants"]
    shown = visible_questions(BUNDLE, {"insured": ("yes",)})
    assert [q.key for q in shown] == ["insured", "scheme", "wants"]


def test_answers_to_hidden_questions_are_dropped_and_open_ones_are_named() -> None:
    kept, problems = clean_answers(BUNDLE, {"insured": ["no"], "scheme": ["urban"]})
    assert kept == {"insured": ("no",)}
    assert problems == {"wants": ANSWER_REQUIRED}


def test_an_answer_not_offered_or_two_answers_to_a_single_question_are_refused() -> None:
    _, problems = clean_answers(BUNDLE, {"insured": ["yes", "no"], "wants": ["lottery"]})
    assert problems == {"insured": ONE_ANSWER_ONLY, "wants": ANSWER_INVALID}


def test_multiple_choice_keeps_every_offered_answer_once() -> None:
    kept, problems = clean_answers(
        BUNDLE, {"insured": ["no"], "wants": ["card", "nothing", "card"]}
    )
    assert problems == {}
    assert kept["wants"] == ("card", "nothing")


def test_the_answers_decide_which_matters_apply() -> None:
    uninsured = select_matters(BUNDLE, {"insured": ("no",), "wants": ("nothing",)})
    assert uninsured.selected_codes == ("certificate", "household")
    assert select_matters(BUNDLE, ANSWERS).selected_codes == (
        "certificate", "household", "insurance", "card",
    )  # fmt: skip


def test_leaving_out_an_optional_matter_takes_its_optional_dependents_with_it() -> None:
    selection = select_matters(BUNDLE, ANSWERS, deselect=["insurance"])
    assert selection.selected_codes == ("certificate", "household")
    assert selection.deselected == ("insurance", "card")
    assert selection.refused == {}


def test_a_required_matter_cannot_be_left_out_nor_one_a_required_matter_needs() -> None:
    selection = select_matters(BUNDLE, ANSWERS, deselect=["household"])
    assert selection.refused == {"household": NOT_OPTIONAL}
    assert "household" in selection.selected_codes
    needs_optional = Bundle(
        **{**{f: getattr(BUNDLE, f) for f in BUNDLE.__struct_fields__},
           "matters": (BundleMatter(matter="insurance", optional=True),
                       BundleMatter(matter="card", depends_on=("insurance",)))},
    )  # fmt: skip
    refused = select_matters(needs_optional, {}, deselect=["insurance"])
    assert refused.refused == {"insurance": NEEDED_BY_REQUIRED}
    assert refused.selected_codes == ("insurance", "card")


def test_the_merged_form_holds_each_field_once_grouped_and_says_who_needs_it() -> None:
    codes = ("certificate", "household", "insurance")
    groups = merged_form(CATALOG, codes)
    assert [g.group.code for g in groups] == ["applicant", "child"]
    keys = merged_field_keys(CATALOG, codes)
    assert len(keys) == len(set(keys)) == 4
    total = sum(len(CATALOG.matters[c].fields) for c in codes)
    assert len(keys) < total
    name = next(f for f in groups[0].fields if f.definition.key == "applicant.name")
    assert name.matters == codes


def test_leaving_out_a_matter_removes_the_fields_only_it_needed() -> None:
    with_insurance = merged_field_keys(CATALOG, ("certificate", "insurance"))
    without = merged_field_keys(CATALOG, ("certificate",))
    assert "child.birth_date" in with_insurance
    assert "child.birth_date" not in without


def test_the_notice_skips_proven_materials_and_counts_days_along_dependencies() -> None:
    selection = select_matters(BUNDLE, ANSWERS)
    found = notice(CATALOG, selection, proofs=["record:birth-medical"])
    household = next(i for i in found.matters if i.matter.code == "household")
    assert household.proven == (CERTIFICATE,)
    assert household.to_provide == (PHOTO,)
    # certificate (3) then household (2) = 5; insurance (4) then card (10) = 14: the longer wins.
    assert found.promised_days == 14
    assert found.statutory_days == 28
    assert found.total_fees_yuan == 80
    without_proof = notice(CATALOG, selection)
    assert (
        CERTIFICATE
        in next(i for i in without_proof.matters if i.matter.code == "household").to_provide
    )
