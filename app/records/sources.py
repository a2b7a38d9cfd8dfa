"""The shared-record sources (共享数据) and the fields each one holds: one vocabulary.

The catalog names ``source.field`` pairs to pre-fill form fields and to prove materials;
the record adapters (demo store, HTTP data exchange) answer for exactly these fields; the
consent page and the data-access log show their labels. A source answers about one subject:
a person (by ID number) or an enterprise (by unified social credit code).

Field names are stable identifiers (snake_case, English); labels are shown to people.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class SubjectKind(StrEnum):
    """Whose record a source holds."""

    PERSON = "person"
    ENTERPRISE = "enterprise"


class Text(msgspec.Struct, frozen=True):
    """A text in both languages of the app."""

    zh: str
    en: str

    def __call__(self, locale: str) -> str:
        """The text in ``locale`` (Chinese unless English is asked)."""
        return self.en if locale.startswith("en") else self.zh


class SourceField(msgspec.Struct, frozen=True):
    """One field a source holds. ``sensitive`` values are masked on screen and never logged."""

    name: str
    label: Text
    sensitive: bool = False


class Source(msgspec.Struct, frozen=True):
    """A record source: its code, its holder department, whose records and which fields."""

    code: str
    label: Text
    department: str
    subject: SubjectKind
    fields: tuple[SourceField, ...]

    def field(self, name: str) -> SourceField | None:
        """The field called ``name``, or None."""
        return next((f for f in self.fields if f.name == name), None)


def _f(name: str, zh: str, en: str, *, sensitive: bool = False) -> SourceField:
    return SourceField(name=name, label=Text(zh=zh, en=en), sensitive=sensitive)


_P, _E = SubjectKind.PERSON, SubjectKind.ENTERPRISE

SOURCES: dict[str, Source] = {
    s.code: s
    for s in (
        Source(
            code="population",
            label=Text(zh="人口户籍信息", en="Population and household register"),
            department="public-security",
            subject=_P,
            fields=(
                _f("name", "姓名", "Name"),
                _f("id_number", "公民身份号码", "ID number", sensitive=True),
                _f("gender", "性别", "Sex"),
                _f("ethnicity", "民族", "Ethnicity"),
                _f("birth_date", "出生日期", "Date of birth"),
                _f("household_address", "户籍地址", "Registered household address"),
                _f("household_number", "户号", "Household number"),
                _f("household_head", "户主姓名", "Head of household"),
                _f("relation_to_head", "与户主关系", "Relation to the head of household"),
                _f("residence_address", "居住地址", "Residential address"),
            ),
        ),
        Source(
            code="birth-medical",
            label=Text(zh="出生医学证明信息", en="Birth medical certificates"),
            department="health",
            subject=_P,
            fields=(
                _f("child_name", "新生儿姓名", "Newborn's name"),
                _f("child_gender", "新生儿性别", "Newborn's sex"),
                _f("child_birth_date", "出生日期", "Date of birth"),
                _f("birth_place", "出生地点", "Place of birth"),
                _f("certificate_number", "出生医学证明编号", "Certificate number"),
                _f("mother_name", "母亲姓名", "Mother's name"),
                _f("mother_id_number", "母亲身份号码", "Mother's ID number", sensitive=True),
                _f("father_name", "父亲姓名", "Father's name"),
                _f("father_id_number", "父亲身份号码", "Father's ID number", sensitive=True),
            ),
        ),
        Source(
            code="marriage",
            label=Text(zh="婚姻登记信息", en="Marriage registrations"),
            department="civil-affairs",
            subject=_P,
            fields=(
                _f("marital_status", "婚姻状况", "Marital status"),
                _f("spouse_name", "配偶姓名", "Spouse's name"),
                _f("spouse_id_number", "配偶身份号码", "Spouse's ID number", sensitive=True),
                _f("registered_on", "登记日期", "Date of registration"),
                _f("certificate_number", "结婚证字号", "Marriage certificate number"),
            ),
        ),
        Source(
            code="social-insurance",
            label=Text(zh="社会保险参保信息", en="Social insurance"),
            department="human-resources",
            subject=_P,
            fields=(
                _f("insured_status", "参保状态", "Insurance status"),
                _f("pension_insured_since", "养老保险参保日期", "Pension insured since"),
                _f("contribution_months", "累计缴费月数", "Months of contributions"),
                _f("employer_name", "参保单位", "Employer"),
                _f("card_number", "社会保障卡号", "Social security card number"),
                _f("bank_account", "待遇发放账户", "Benefit payment account", sensitive=True),
            ),
        ),
        Source(
            code="medical-insurance",
            label=Text(zh="医疗保险参保信息", en="Medical insurance"),
            department="medical-insurance",
            subject=_P,
            fields=(
                _f("insured_status", "参保状态", "Insurance status"),
                _f("scheme", "参保险种", "Scheme"),
                _f("insured_place", "参保地", "Place of insurance"),
            ),
        ),
        Source(
            code="housing-fund",
            label=Text(zh="住房公积金信息", en="Housing provident fund"),
            department="housing-fund",
            subject=_P,
            fields=(
                _f("account_status", "账户状态", "Account status"),
                _f("account_number", "个人公积金账号", "Fund account number"),
                _f("employer_name", "缴存单位", "Contributing employer"),
            ),
        ),
        Source(
            code="enterprise-registry",
            label=Text(zh="市场主体登记信息", en="Enterprise registry"),
            department="market-regulation",
            subject=_E,
            fields=(
                _f("name", "企业名称", "Enterprise name"),
                _f("credit_code", "统一社会信用代码", "Unified social credit code"),
                _f("entity_type", "企业类型", "Type of entity"),
                _f("legal_representative", "法定代表人", "Legal representative"),
                _f("registered_address", "住所", "Registered address"),
                _f("registered_capital", "注册资本(万元)", "Registered capital (10k yuan)"),
                _f("established_on", "成立日期", "Date of establishment"),
                _f("business_scope", "经营范围", "Business scope"),
                _f("status", "登记状态", "Registration status"),
            ),
        ),
        Source(
            code="tax",
            label=Text(zh="税务登记与清税信息", en="Tax registration and clearance"),
            department="taxation",
            subject=_E,
            fields=(
                _f("taxpayer_status", "纳税人状态", "Taxpayer status"),
                _f("taxpayer_type", "纳税人类型", "Taxpayer type"),
                _f("outstanding_tax", "欠税情况", "Outstanding tax"),
                _f("unverified_invoices", "未缴销发票", "Invoices not yet cancelled"),
                _f("tax_office", "主管税务机关", "Tax office"),
            ),
        ),
        Source(
            code="real-estate",
            label=Text(zh="不动产登记信息", en="Real estate register"),
            department="natural-resources",
            subject=_P,
            fields=(
                _f("certificate_number", "不动产权证书号", "Title certificate number"),
                _f("unit_number", "不动产单元号", "Property unit number"),
                _f("property_address", "坐落", "Property location"),
                _f("floor_area", "建筑面积(㎡)", "Floor area (m²)"),
                _f("usage", "用途", "Use"),
                _f("ownership_share", "共有情况", "Co-ownership"),
                _f("mortgage_status", "抵押状态", "Mortgage"),
            ),
        ),
        Source(
            code="water",
            label=Text(zh="供水户信息", en="Water account"),
            department="utilities",
            subject=_P,
            fields=(
                _f("account_number", "供水户号", "Water account number"),
                _f("account_holder", "户名", "Account holder"),
                _f("address", "用水地址", "Supply address"),
                _f("arrears", "欠费情况", "Arrears"),
            ),
        ),
        Source(
            code="power",
            label=Text(zh="供电户信息", en="Electricity account"),
            department="utilities",
            subject=_P,
            fields=(
                _f("account_number", "供电户号", "Electricity account number"),
                _f("account_holder", "户名", "Account holder"),
                _f("address", "用电地址", "Supply address"),
                _f("arrears", "欠费情况", "Arrears"),
            ),
        ),
        Source(
            code="gas",
            label=Text(zh="燃气户信息", en="Gas account"),
            department="utilities",
            subject=_P,
            fields=(
                _f("account_number", "燃气户号", "Gas account number"),
                _f("account_holder", "户名", "Account holder"),
                _f("address", "用气地址", "Supply address"),
                _f("arrears", "欠费情况", "Arrears"),
            ),
        ),
        Source(
            code="disability",
            label=Text(zh="残疾人证信息", en="Disability certificates"),
            department="disabled-persons-federation",
            subject=_P,
            fields=(
                _f("certificate_number", "残疾人证号", "Certificate number", sensitive=True),
                _f("category", "残疾类别", "Category"),
                _f("grade", "残疾等级", "Grade"),
                _f("issued_on", "发证日期", "Date of issue"),
                _f("valid_until", "有效期至", "Valid until"),
                _f("guardian_name", "监护人姓名", "Guardian's name"),
            ),
        ),
    )
}

# Not a shared-record source: the platform's own account of the person, read when a member of
# staff finds them by phone number (``app.records.lookups``). Kept out of ``SOURCES`` so that
# no form pre-fills from it and no consent names it; the data-use record labels it as it
# labels the sources.
ACCOUNT = Source(
    code="account",
    label=Text(zh="本平台账户信息", en="Your account on this platform"),
    department="platform",
    subject=_P,
    fields=(
        _f("phone", "手机号码", "Mobile number", sensitive=True),
        _f("name", "姓名", "Name"),
    ),
)


def source_named(code: str) -> Source | None:
    """The source, or the platform's account, with this code (None if neither)."""
    return ACCOUNT if code == ACCOUNT.code else SOURCES.get(code)
