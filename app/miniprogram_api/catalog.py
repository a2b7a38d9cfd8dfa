"""``/mp/v1/catalog``: the life events (bundles) and their questionnaires, for mini-programs.

Texts come in the request's language (``Accept-Language``); codes are stable identifiers.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from app import i18n
from app.catalog.loader import department_names
from app.catalog.schema import Bundle, Condition, Question, Text, bundles_by_audience
from app.composition.runtime import Runtime
from app.errors import NotFound
from app.web.access import Access


def text(value: Text | None) -> str:
    """A catalog text in the request's language."""
    return value(i18n.current_locale()) if value is not None else ""


def department_name(code: str) -> str:
    """A department's name in the request's language (its code if the catalog has none)."""
    return text(department_names().get(code)) or code


class OptionBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One answer offered."""

    value: str
    label: str


class ConditionBody(msgspec.Struct, kw_only=True, rename="camel"):
    """Holds when the answer to ``question`` is one of ``any_of``."""

    question: str
    any_of: list[str]


class QuestionBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A questionnaire question; show it only when all ``shown_when`` hold."""

    key: str
    text: str
    kind: str
    options: list[OptionBody]
    hint: str | None = None
    shown_when: list[ConditionBody]


class MatterSummary(msgspec.Struct, kw_only=True, rename="camel"):
    """A matter of a bundle, with when it applies."""

    code: str
    name: str
    department: str
    optional: bool
    applies_when: list[ConditionBody]
    depends_on: list[str]
    promised_days: int
    statutory_days: int
    department_name: str = ""  # the department in words, in the request's language


class BundleSummary(msgspec.Struct, kw_only=True, rename="camel"):
    """A life event in the list."""

    code: str
    name: str
    summary: str
    audience: str
    online: bool


class BundleBody(BundleSummary, kw_only=True, rename="camel"):
    """A life event with its questionnaire and matters (online ones) or outline."""

    questions: list[QuestionBody]
    matters: list[MatterSummary]
    outline: list[str]


class BundleList(msgspec.Struct, kw_only=True, rename="camel"):
    """All life events, residents' first."""

    bundles: list[BundleSummary]


def _conditions(conditions: tuple[Condition, ...]) -> list[ConditionBody]:
    return [ConditionBody(question=c.question, any_of=list(c.any_of)) for c in conditions]


def _question(q: Question) -> QuestionBody:
    return QuestionBody(
        key=q.key,
        text=text(q.text),
        kind=q.kind.value,
        options=[OptionBody(value=o.value, label=text(o.label)) for o in q.options],
        hint=text(q.hint) or None,
        shown_when=_conditions(q.shown_when),
    )


def _summary(bundle: Bundle) -> BundleSummary:
    return BundleSummary(
        code=bundle.code,
        name=text(bundle.name),
        summary=text(bundle.summary),
        audience=bundle.audience.value,
        online=bundle.modelled,
    )


class CatalogApi(Controller):
    """The catalog, public like the guide pages."""

    path = "/catalog"
    tags = ["mini-program: catalog"]  # noqa: RUF012
    opt = {"access": Access.PUBLIC}  # noqa: RUF012

    @get("/bundles")
    async def bundles(self, runtime: NamedDependency[Runtime]) -> BundleList:
        """Every life event: residents' first, then enterprises', in catalog order."""
        by_audience = bundles_by_audience(runtime.catalog.catalog)
        return BundleList(bundles=[_summary(b) for group in by_audience.values() for b in group])

    @get("/bundles/{code:str}")
    async def bundle(self, code: FromPath[str], runtime: NamedDependency[Runtime]) -> BundleBody:
        """One life event: its questions, its matters and when each applies."""
        catalog = runtime.catalog.catalog
        bundle = catalog.bundles.get(code)
        if bundle is None:
            raise NotFound
        matters = [
            MatterSummary(
                code=item.matter,
                name=text(catalog.matters[item.matter].name),
                department=catalog.matters[item.matter].department,
                department_name=department_name(catalog.matters[item.matter].department),
                optional=item.optional,
                applies_when=_conditions(item.applies_when),
                depends_on=list(item.depends_on),
                promised_days=catalog.matters[item.matter].promised_days,
                statutory_days=catalog.matters[item.matter].time_limit_days,
            )
            for item in bundle.matters
        ]
        return BundleBody(
            **msgspec.structs.asdict(_summary(bundle)),
            questions=[_question(q) for q in bundle.questions],
            matters=matters,
            outline=[text(o.name) for o in bundle.outline],
        )
