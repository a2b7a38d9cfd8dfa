"""The shipped catalog: it loads, names every life event of the policy lists, models six fully."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from app.catalog.loader import DATA_DIR, LoadedCatalog, load_catalog
from app.catalog.schema import Bundle, Catalog

MODELLED = (
    "newborn",
    "business-startup",
    "retirement",
    "second-hand-housing",
    "enterprise-deregistration",
    "disability-services",
)

# Changsha's 29 scenarios (长沙市加快推进“一件事一次办”打造政务服务升级版工作方案, 2023) and the
# State Council's first 13 key items (国发〔2024〕3号), by their names in the lists, with the
# bundle that carries each. One event named by both lists is one bundle.
LIFE_EVENTS = [
    ("changsha-2023", "新生儿出生", "newborn"),
    ("changsha-2023", "二手房转移登记及水电气联动过户", "second-hand-housing"),
    ("changsha-2023", "服务特殊群体", "special-groups"),
    ("changsha-2023", "退休", "retirement"),
    ("changsha-2023", "军人退役", "veteran-retirement"),
    ("changsha-2023", "入学", "school-enrolment"),
    ("changsha-2023", "社会保险", "social-insurance"),
    ("changsha-2023", "企业开办", "business-startup"),
    ("changsha-2023", "企业准营", "business-permit"),
    ("changsha-2023", "企业注销", "enterprise-deregistration"),
    ("changsha-2023", "员工录用", "employee-hiring"),
    ("changsha-2023", "涉企不动产登记", "enterprise-real-estate"),
    ("changsha-2023", "企业变更", "enterprise-change"),
    ("changsha-2023", "综合纳税", "integrated-tax"),
    ("changsha-2023", "多图联审", "joint-drawing-review"),
    ("changsha-2023", "施工许可", "construction-permit"),
    ("changsha-2023", "联合验收", "joint-acceptance"),
    ("changsha-2023", "办证", "home-certificate"),
    ("changsha-2023", "就业", "employment"),
    ("changsha-2023", "婚姻", "marriage"),
    ("changsha-2023", "“身后”", "after-death"),
    ("changsha-2023", "员工保障", "employee-protection"),
    ("changsha-2023", "政策兑现", "policy-benefits"),
    ("changsha-2023", "融资服务", "financing"),
    ("changsha-2023", "招投标", "bidding"),
    ("changsha-2023", "用地审批", "land-use-approval"),
    ("changsha-2023", "水电气联合报装", "utilities-connection"),
    ("changsha-2023", "就医", "medical-care"),
    ("changsha-2023", "经营性项目验收开业", "project-acceptance-opening"),
    ("national-2024", "企业信息变更", "enterprise-change"),
    ("national-2024", "开办运输企业", "transport-business"),
    ("national-2024", "开办餐饮店", "restaurant-opening"),
    ("national-2024", "水电气网联合报装", "utilities-connection"),
    ("national-2024", "信用修复", "credit-repair"),
    ("national-2024", "企业破产信息核查", "bankruptcy-check"),
    ("national-2024", "企业上市合法合规信息核查", "listing-compliance-check"),
    ("national-2024", "企业注销登记", "enterprise-deregistration"),
    ("national-2024", "新生儿出生", "newborn"),
    ("national-2024", "教育入学", "school-enrolment"),
    ("national-2024", "社会保障卡居民服务", "social-security-card-services"),
    ("national-2024", "残疾人服务", "disability-services"),
    ("national-2024", "退休", "retirement"),
]


@pytest.fixture(scope="module")
def loaded() -> LoadedCatalog:
    return load_catalog()


@pytest.fixture(scope="module")
def catalog(loaded: LoadedCatalog) -> Catalog:
    return loaded.catalog


def applicable(bundle: Bundle, answers: dict[str, set[str]]) -> list[str]:
    """The matters whose every condition shares an answer (the rule of ``BundleMatter``)."""
    return [
        item.matter
        for item in bundle.matters
        if all(answers.get(c.question, set()) & set(c.any_of) for c in item.applies_when)
    ]


def test_the_shipped_catalog_loads_with_every_bundle_and_matter(catalog: Catalog) -> None:
    assert len(catalog.bundles) == 36
    assert {b.code for b in catalog.bundles.values() if b.modelled} == set(MODELLED)


@pytest.mark.parametrize(("origin", "name", "code"), LIFE_EVENTS)
def test_every_life_event_of_both_lists_is_a_bundle_of_that_origin(
    catalog: Catalog, origin: str, name: str, code: str
) -> None:
    bundle = catalog.bundles[code]
    assert origin in bundle.origins
    assert name in bundle.name.zh or name in bundle.summary.zh


def test_no_bundle_claims_a_list_it_is_not_named_in(catalog: Catalog) -> None:
    for origin in ("changsha-2023", "national-2024"):
        named = {code for o, _, code in LIFE_EVENTS if o == origin}
        claiming = {b.code for b in catalog.bundles.values() if origin in b.origins}
        assert claiming == named, origin
    assert len({code for o, _, code in LIFE_EVENTS if o == "changsha-2023"}) == 29
    assert len({code for o, _, code in LIFE_EVENTS if o == "national-2024"}) == 13


def test_bundles_have_stable_kebab_case_codes_distinct_orders_and_both_languages(
    catalog: Catalog,
) -> None:
    orders = Counter(b.order for b in catalog.bundles.values())
    assert max(orders.values()) == 1
    for bundle in catalog.bundles.values():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", bundle.code)
        texts = (bundle.name.zh, bundle.name.en, bundle.summary.zh, bundle.summary.en)
        assert all(texts), bundle.code
        assert bundle.order != 1000  # the default: every bundle is placed on purpose


@pytest.mark.parametrize("code", MODELLED)
def test_every_matter_of_a_modelled_bundle_has_all_twelve_elements(
    catalog: Catalog, code: str
) -> None:
    # The twelfth, fees, may be empty (free): the next test checks that every matter says so.
    for item in catalog.bundles[code].matters:
        matter = catalog.matters[item.matter]
        elements = {
            "code": matter.code,
            "name": matter.name.zh and matter.name.en,
            "type": matter.kind,
            "legal basis": matter.legal_basis,
            "scope": matter.scope.zh,
            "level": matter.level,
            "time limit": matter.time_limit_days and matter.promised_days,
            "steps": matter.steps,
            "conditions": matter.conditions,
            "materials": matter.materials,
            "form fields": matter.fields,
            "result": matter.result.name.zh and matter.result.delivery,
            "department": matter.department,
        }
        assert not [name for name, value in elements.items() if not value], matter.code
        assert any(re.search(r"第.+条", basis.zh) for basis in matter.legal_basis), matter.code
        assert matter.promised_days <= matter.time_limit_days


def test_every_matter_says_what_it_costs_even_when_it_is_free() -> None:
    for path in sorted((DATA_DIR / "matters").glob("*.yaml")):
        for matter in yaml.safe_load(path.read_text("utf-8"))["matters"]:
            assert "fees" in matter, f"{path.name}: {matter['code']} does not list its fees"


def test_the_only_fees_are_the_real_estate_registration_fees_of_80_yuan(
    catalog: Catalog,
) -> None:
    charged = {m.code: [f.amount_yuan for f in m.fees] for m in catalog.matters.values() if m.fees}
    assert charged == {"resale-transfer-registration": [80], "mortgage-registration": [80]}
    assert all(fee.basis.zh for m in catalog.matters.values() for fee in m.fees)


@pytest.mark.parametrize("code", MODELLED)
def test_matters_of_a_bundle_share_fields_so_the_merged_form_is_shorter(
    catalog: Catalog, code: str
) -> None:
    lists = [catalog.matters[item.matter].fields for item in catalog.bundles[code].matters]
    merged = {key for fields in lists for key in fields}
    assert len(merged) < sum(len(fields) for fields in lists)


def test_the_same_facts_are_one_field_across_bundles(catalog: Catalog) -> None:
    bundles_using: dict[str, set[str]] = {}
    for bundle in catalog.bundles.values():
        for item in bundle.matters:
            for key in catalog.matters[item.matter].fields:
                bundles_using.setdefault(key, set()).add(bundle.code)
    assert bundles_using["applicant.name"] >= set(MODELLED) - {"enterprise-deregistration"}
    assert bundles_using["contact.address"] == set(MODELLED)
    assert {"newborn", "retirement", "disability-services"} <= bundles_using["payee.bank_account"]
    assert bundles_using["agent.name"] == {"enterprise-deregistration"}


def test_fields_a_record_holds_are_prefilled_and_personal_entries_are_not(
    catalog: Catalog,
) -> None:
    prefill = {key: field.prefill for key, field in catalog.fields.items()}
    held = {
        "applicant.id_number": ("population", "id_number"),
        "child.name": ("birth-medical", "child_name"),
        "spouse.name": ("marriage", "spouse_name"),
        "property.unit_number": ("real-estate", "unit_number"),
        "enterprise.credit_code": ("enterprise-registry", "credit_code"),
        "disability.grade": ("disability", "grade"),
        "utilities.gas_account": ("gas", "account_number"),
    }
    for key, (source, name) in held.items():
        ref = prefill[key]
        assert ref is not None, key
        assert (ref.source, ref.field) == (source, name), key
    for key in ("applicant.phone", "contact.address", "new_enterprise.name", "seller.id_number"):
        assert prefill[key] is None, key


def test_select_fields_and_questions_offer_distinct_answers(catalog: Catalog) -> None:
    for field in catalog.fields.values():
        values = [o.value for o in field.options]
        assert len(values) == len(set(values)), field.key
    for bundle in catalog.bundles.values():
        for question in bundle.questions:
            values = [o.value for o in question.options]
            assert len(values) >= 2, question.key
            assert len(values) == len(set(values)), question.key


def test_the_newborn_questionnaire_decides_which_matters_apply(catalog: Catalog) -> None:
    newborn = catalog.bundles["newborn"]
    least = {"birth_certificate": {"issued"}, "household": {"elsewhere"}}
    assert applicable(newborn, least | {"maternity_insurance": {"no"}}) == [
        "vaccination-certificate",
        "newborn-medical-insurance",
    ]
    most = {"birth_certificate": {"pending"}, "household": {"local"}}
    assert len(applicable(newborn, most | {"maternity_insurance": {"yes"}})) == 6


def test_only_the_chosen_utilities_are_transferred(catalog: Catalog) -> None:
    housing = catalog.bundles["second-hand-housing"]
    chosen = applicable(housing, {"utilities": {"water", "gas"}, "seller_mortgage": {"no"}})
    assert chosen == ["deed-tax", "resale-transfer-registration", "water-transfer", "gas-transfer"]
    optional = {m.matter for m in housing.matters if m.optional}
    assert optional == {"water-transfer", "power-transfer", "gas-transfer", "broadband-transfer"}


def test_deregistration_follows_one_procedure_and_customs_only_when_registered(
    catalog: Catalog,
) -> None:
    closing = catalog.bundles["enterprise-deregistration"]
    simple = applicable(closing, {"procedure": {"simplified"}, "customs": {"no"}})
    general = applicable(closing, {"procedure": {"general"}, "customs": {"yes"}})
    assert simple == ["tax-clearance", "simplified-deregistration"]
    assert general == ["tax-clearance", "general-deregistration", "customs-deregistration"]


def test_disability_allowances_follow_grade_and_hardship(catalog: Catalog) -> None:
    services = catalog.bundles["disability-services"]
    answers = {"certificate": {"none"}, "grade": {"3"}, "hardship": {"subsistence"}}
    assert applicable(services, answers) == [
        "disability-certificate-new",
        "disability-living-allowance",
        "assistive-device-fitting",
    ]
    severe = {"certificate": {"valid"}, "grade": {"1"}, "hardship": {"extreme-poverty"}}
    assert applicable(services, severe | {"resident_pension": {"yes"}}) == [
        "disability-care-allowance",
        "severe-disability-pension-subsidy",
        "assistive-device-fitting",
    ]


def test_matters_wait_for_the_ones_they_build_on(catalog: Catalog) -> None:
    def depends(bundle: str) -> dict[str, tuple[str, ...]]:
        return {m.matter: m.depends_on for m in catalog.bundles[bundle].matters}

    newborn = depends("newborn")
    assert "birth-medical-certificate" in newborn["household-birth-registration"]
    assert "household-birth-registration" in newborn["newborn-social-security-card"]
    startup = depends("business-startup")
    assert all("enterprise-establishment" in after for m, after in startup.items() if after)
    assert len([m for m, after in startup.items() if not after]) == 1
    housing = depends("second-hand-housing")
    assert "deed-tax" in housing["resale-transfer-registration"]
    assert all(
        housing[m] == ("resale-transfer-registration",)
        for m in ("water-transfer", "power-transfer", "gas-transfer", "broadband-transfer")
    )
    closing = depends("enterprise-deregistration")
    assert (
        closing["simplified-deregistration"]
        == closing["general-deregistration"]
        == ("tax-clearance",)
    )


def test_every_license_type_is_issued_by_a_matter_or_proves_a_material(
    loaded: LoadedCatalog, catalog: Catalog
) -> None:
    licenses = loaded.licenses
    issued = {m.result.license_type for m in catalog.matters.values()}
    proving = {
        proof.removeprefix("license:")
        for m in catalog.matters.values()
        for material in m.materials
        for proof in material.proven_by
    }
    assert set(licenses) <= issued | proving
    assert {
        "birth-medical-certificate",
        "household-register",
        "business-licence",
        "real-estate-certificate",
        "disability-certificate",
        "social-security-card",
        "vaccination-certificate",
    } <= issued
