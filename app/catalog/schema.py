"""The catalog's shape: matters (事项), canonical form fields, and bundles (一件事).

Every catalog file under ``app/catalog/data/`` decodes into these Structs (``forbid_unknown_fields``
so a misspelt key is an error, not a silently ignored line). Cross-references — a matter's
department and fields, a bundle's matters, a field's record source — are checked by
``app.catalog.loader`` after decoding. Texts are ``{zh, en}`` pairs.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import msgspec

from app.records.sources import SubjectKind, Text

__all__ = [
    "Audience",
    "Bundle",
    "BundleMatter",
    "Catalog",
    "Condition",
    "Delivery",
    "Fee",
    "FieldDef",
    "FieldGroup",
    "FieldKind",
    "FieldOption",
    "Material",
    "Matter",
    "MatterKind",
    "Outline",
    "Question",
    "QuestionKind",
    "RecordRef",
    "Result",
    "Text",
]


class _Strict(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    pass


Audience = SubjectKind  # a bundle is for persons or for enterprises, like a record subject


class MatterKind(StrEnum):
    """The legal type of a matter (事项类型), as in the national standard list."""

    PERMIT = "administrative-permit"  # 行政许可
    CONFIRMATION = "administrative-confirmation"  # 行政确认
    PAYMENT = "administrative-payment"  # 行政给付
    COLLECTION = "administrative-collection"  # 行政征收
    REWARD = "administrative-reward"  # 行政奖励
    OTHER_POWER = "other-administrative-power"  # 其他行政权力
    PUBLIC_SERVICE = "public-service"  # 公共服务


class Level(StrEnum):
    """Where a matter is handled (行使层级)."""

    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"


class Delivery(StrEnum):
    """How a result reaches the applicant (出件方式)."""

    ELECTRONIC = "electronic"
    WINDOW = "window"
    MAIL = "mail"


class FieldKind(StrEnum):
    """How a form field is entered and checked."""

    TEXT = "text"
    TEXTAREA = "textarea"
    NUMBER = "number"
    DATE = "date"
    SELECT = "select"
    BOOLEAN = "boolean"
    ID_NUMBER = "id-number"  # GB 11643, checked by python-stdnum
    CREDIT_CODE = "credit-code"  # GB 32100
    PHONE = "phone"  # mainland mobile
    MONEY = "money"  # yuan, two decimals


class QuestionKind(StrEnum):
    """A questionnaire question: one answer or several."""

    SINGLE = "single"
    MULTIPLE = "multiple"


class RecordRef(_Strict, kw_only=True, frozen=True):
    """A field of a shared-record source, e.g. ``{source: population, field: name}``."""

    source: str
    field: str


class FieldOption(_Strict, kw_only=True, frozen=True):
    """One choice of a select field or a question."""

    value: str
    label: Text


class FieldGroup(_Strict, kw_only=True, frozen=True):
    """A section of the merged form (申请人信息, 新生儿信息 …), shown in ``order``."""

    code: str
    label: Text
    order: int


class FieldDef(_Strict, kw_only=True, frozen=True):
    """A canonical form field. Matters refer to it by ``key``: the merged form shows it once."""

    key: str
    label: Text
    kind: FieldKind
    group: str
    hint: Text | None = None
    options: tuple[FieldOption, ...] = ()
    max_length: int = 100
    min_value: float | None = None
    max_value: float | None = None
    prefill: RecordRef | None = None  # where a shared record holds the value
    # False for a field only some applicants fill (a guardian, a postal address when results
    # are collected): the form shows it but does not insist. A required boolean is a
    # declaration the applicant must tick.
    required: bool = True


class Fee(_Strict, kw_only=True, frozen=True):
    """A fee (收费标准); matters with none are free."""

    name: Text
    amount_yuan: float
    basis: Text


class Material(_Strict, kw_only=True, frozen=True):
    """An application material (申请材料). ``proven_by`` lists what makes it unnecessary.

    ``proven_by`` entries are record sources (``record:birth-medical``) or e-license types in
    the wallet (``license:household-register``): when the applicant has one, the material is
    not asked for (一套材料, 免提交).
    """

    code: str
    name: Text
    required: bool = True
    copies: Text | None = None
    proven_by: tuple[str, ...] = ()
    may_defer: bool = False  # 容缺: may follow after acceptance on a written commitment


class Result(_Strict, kw_only=True, frozen=True):
    """What the applicant receives (办理结果)."""

    name: Text
    license_type: str | None = None  # an e-license type when the result is one
    delivery: tuple[Delivery, ...] = (Delivery.ELECTRONIC,)


class Matter(_Strict, kw_only=True, frozen=True):
    """A service item (事项) with the twelve standard elements, and its department.

    The twelve: code, name, type, legal basis, scope and level, time limit, process steps,
    conditions, materials, form fields, fees, result (GB/T 36112 / the national list).
    """

    code: str
    name: Text
    kind: MatterKind
    department: str
    legal_basis: tuple[Text, ...]
    scope: Text
    level: Level
    time_limit_days: int  # statutory limit, working days (法定办结时限)
    promised_days: int  # promised limit, working days (承诺办结时限), never above the statute
    steps: tuple[Text, ...]
    conditions: tuple[Text, ...]
    materials: tuple[Material, ...]
    fields: tuple[str, ...]  # canonical field keys, in the order the matter lists them
    fees: tuple[Fee, ...] = ()
    result: Result
    online: bool = True  # can be applied for online (else window only)


class Condition(_Strict, kw_only=True, frozen=True):
    """True when the answer to ``question`` is one of ``any_of`` (for multiple: shares one)."""

    question: str
    any_of: tuple[str, ...]


class Question(_Strict, kw_only=True, frozen=True):
    """A questionnaire question (情形引导). Hidden unless all of ``shown_when`` hold."""

    key: str
    text: Text
    kind: QuestionKind = QuestionKind.SINGLE
    options: tuple[FieldOption, ...]
    hint: Text | None = None
    shown_when: tuple[Condition, ...] = ()


class BundleMatter(_Strict, kw_only=True, frozen=True):
    """A matter in a bundle. It applies when all ``applies_when`` hold (none: always).

    An optional matter may be deselected by the applicant (自主选择); a required one may not.
    ``depends_on`` names matters of the same bundle that must finish first (dispatch order);
    deselecting one of them deselects this one too. A dependency the questionnaire leaves out
    (the birth certificate already exists) counts as done.
    """

    matter: str
    optional: bool = False
    applies_when: tuple[Condition, ...] = ()
    depends_on: tuple[str, ...] = ()


class Outline(_Strict, kw_only=True, frozen=True):
    """A matter of a bundle not yet modelled online: its name and department only."""

    name: Text
    department: str


class Bundle(_Strict, kw_only=True, frozen=True):
    """A bundle (一件事): matters that belong together for one life or business event."""

    code: str
    name: Text
    audience: Audience
    summary: Text
    lead_department: str
    origins: tuple[str, ...]  # which list names it: changsha-2023, national-2024 …
    order: int = 1000
    questions: tuple[Question, ...] = ()
    matters: tuple[BundleMatter, ...] = ()
    outline: tuple[Outline, ...] = ()  # for bundles not yet modelled: names only
    reviewed_on: date | None = None

    @property
    def modelled(self) -> bool:
        """True when the bundle can be applied for online (its matters are fully modelled)."""
        return bool(self.matters)


class Catalog(msgspec.Struct, kw_only=True, frozen=True):
    """The whole catalog, indexed by code. Built only by ``app.catalog.loader.load_catalog``."""

    groups: dict[str, FieldGroup]
    fields: dict[str, FieldDef]
    matters: dict[str, Matter]
    bundles: dict[str, Bundle]
    origins: dict[str, Text]


def bundles_by_audience(catalog: Catalog) -> dict[str, list[Bundle]]:
    """The catalog's bundles for persons and for enterprises, in catalog order."""
    bundles = sorted(catalog.bundles.values(), key=lambda b: (b.order, b.code))
    return {audience.value: [b for b in bundles if b.audience is audience] for audience in Audience}
