"""The one-thing engine's rules, without I/O: questionnaire, selection, merged form, notice.

- 情形引导: which questions show, whether the answers are complete, which matters apply.
- 自主选择: optional matters may be deselected; a matter that depends on a deselected one goes
  too; a matter that a required one depends on cannot be deselected.
- 一表申请: the union of the selected matters' fields, each field once, grouped.
- 一次告知: conditions, materials, fees, time limits, departments and deliveries at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import msgspec

from app.catalog.schema import (
    Bundle,
    BundleMatter,
    Catalog,
    Condition,
    Delivery,
    FieldDef,
    FieldGroup,
    Material,
    Matter,
    Question,
    QuestionKind,
)
from app.i18n import N_

Answers = Mapping[str, Sequence[str]]

ANSWER_REQUIRED = N_("Please answer this question.")
ANSWER_INVALID = N_("Choose one of the answers offered.")
ONE_ANSWER_ONLY = N_("Choose only one answer.")
NEEDED_BY_REQUIRED = N_("This item cannot be left out: another item you apply for needs it.")
NOT_OPTIONAL = N_("This item is required and cannot be left out.")


def holds(condition: Condition, answers: Answers) -> bool:
    """True when the answer to the condition's question shares a value with ``any_of``."""
    return bool(set(answers.get(condition.question, ())) & set(condition.any_of))


def all_hold(conditions: Iterable[Condition], answers: Answers) -> bool:
    """True when every condition holds (no conditions: always)."""
    return all(holds(c, answers) for c in conditions)


def visible_questions(bundle: Bundle, answers: Answers) -> list[Question]:
    """The questions to ask now: those whose ``shown_when`` hold for the answers so far."""
    return [q for q in bundle.questions if all_hold(q.shown_when, answers)]


def clean_answers(
    bundle: Bundle, answers: Answers
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """The answers to visible questions only, and a message per question left wrong or open.

    Answers to questions that are hidden (because an earlier answer changed) are dropped, so
    they can never decide a matter.
    """
    kept: dict[str, tuple[str, ...]] = {}
    problems: dict[str, str] = {}
    # Visibility may depend on earlier answers: evaluate in order against what is kept so far.
    for question in bundle.questions:
        if not all_hold(question.shown_when, kept):
            continue
        chosen = tuple(dict.fromkeys(v for v in answers.get(question.key, ()) if v))
        offered = {o.value for o in question.options}
        if not chosen:
            problems[question.key] = ANSWER_REQUIRED
        elif not set(chosen) <= offered:
            problems[question.key] = ANSWER_INVALID
        elif question.kind is QuestionKind.SINGLE and len(chosen) > 1:
            problems[question.key] = ONE_ANSWER_ONLY
        else:
            kept[question.key] = chosen
    return kept, problems


class Selection(msgspec.Struct, frozen=True, kw_only=True):
    """Which matters apply to the answers, and which of them the applicant keeps."""

    applicable: tuple[BundleMatter, ...]
    selected: tuple[BundleMatter, ...]
    deselected: tuple[str, ...]  # applicable matters left out (by choice or by cascade)
    refused: Mapping[str, str]  # matter code -> why it cannot be left out

    @property
    def selected_codes(self) -> tuple[str, ...]:
        """The codes of the selected matters, in catalog order."""
        return tuple(m.matter for m in self.selected)


def select_matters(bundle: Bundle, answers: Answers, deselect: Iterable[str] = ()) -> Selection:
    """Apply the questionnaire and the applicant's deselection to the bundle's matters."""
    applicable = tuple(m for m in bundle.matters if all_hold(m.applies_when, answers))
    by_code = {m.matter: m for m in applicable}
    wanted_out = {code for code in deselect if code in by_code}
    refused = {code: NOT_OPTIONAL for code in wanted_out if not by_code[code].optional}
    out = {code for code in wanted_out if code not in refused}
    # Leaving a matter out takes its dependents with it, unless a dependent is required.
    changed = True
    while changed:
        changed = False
        for item in applicable:
            if item.matter in out or not set(item.depends_on) & out:
                continue
            if item.optional:
                out.add(item.matter)
                changed = True
            else:
                for dependency in set(item.depends_on) & out:
                    refused[dependency] = NEEDED_BY_REQUIRED
                    out.discard(dependency)
                changed = True
    selected = tuple(m for m in applicable if m.matter not in out)
    return Selection(
        applicable=applicable,
        selected=selected,
        deselected=tuple(m.matter for m in applicable if m.matter in out),
        refused=refused,
    )


class MergedField(msgspec.Struct, frozen=True, kw_only=True):
    """A field of the merged form and the selected matters that need it."""

    definition: FieldDef
    matters: tuple[str, ...]


class MergedGroup(msgspec.Struct, frozen=True, kw_only=True):
    """A section of the merged form."""

    group: FieldGroup
    fields: tuple[MergedField, ...]


def merged_form(catalog: Catalog, matter_codes: Sequence[str]) -> list[MergedGroup]:
    """The union of the matters' fields, each once, grouped in group order, then first use."""
    needed_by: dict[str, list[str]] = {}
    for code in matter_codes:
        for key in catalog.matters[code].fields:
            needed_by.setdefault(key, []).append(code)
    groups: dict[str, list[MergedField]] = {}
    for key, matters in needed_by.items():
        definition = catalog.fields[key]
        groups.setdefault(definition.group, []).append(
            MergedField(definition=definition, matters=tuple(matters))
        )
    ordered = sorted(groups, key=lambda code: catalog.groups[code].order)
    return [MergedGroup(group=catalog.groups[g], fields=tuple(groups[g])) for g in ordered]


def merged_field_keys(catalog: Catalog, matter_codes: Sequence[str]) -> list[str]:
    """The keys of the merged form's fields, in form order."""
    return [f.definition.key for g in merged_form(catalog, matter_codes) for f in g.fields]


def record_sources(catalog: Catalog, matter_codes: Sequence[str]) -> set[str]:
    """The shared-record sources these matters may read: their fields' prefills and the
    ``record:`` proofs of their materials."""
    sources: set[str] = set()
    for code in matter_codes:
        matter = catalog.matters[code]
        for key in matter.fields:
            prefill = catalog.fields[key].prefill
            if prefill is not None:
                sources.add(prefill.source)
        for material in matter.materials:
            sources |= {p.partition(":")[2] for p in material.proven_by if p.startswith("record:")}
    return sources


def is_proven(material: Material, proofs: Iterable[str]) -> bool:
    """True when one of the applicant's proofs (``record:x``, ``license:y``) covers it."""
    return bool(set(material.proven_by) & set(proofs))


class NoticeMatter(msgspec.Struct, frozen=True, kw_only=True):
    """One matter of the notice, with its materials split by whether they are still needed."""

    matter: Matter
    optional: bool
    depends_on: tuple[str, ...]
    to_provide: tuple[Material, ...]
    proven: tuple[Material, ...]


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the applicant needs to know, at once (一次告知)."""

    matters: tuple[NoticeMatter, ...]
    departments: tuple[str, ...]
    total_fees_yuan: float
    promised_days: int  # along the longest chain of dependent matters; others run in parallel
    statutory_days: int
    deliveries: tuple[Delivery, ...]


def notice(catalog: Catalog, selection: Selection, proofs: Iterable[str] = ()) -> Notice:
    """The 一次告知 of the selected matters, given the proofs the applicant already has."""
    proofs = set(proofs)
    items = []
    for item in selection.selected:
        matter = catalog.matters[item.matter]
        items.append(
            NoticeMatter(
                matter=matter,
                optional=item.optional,
                depends_on=item.depends_on,
                to_provide=tuple(m for m in matter.materials if not is_proven(m, proofs)),
                proven=tuple(m for m in matter.materials if is_proven(m, proofs)),
            )
        )
    matters = [i.matter for i in items]
    deliveries = dict.fromkeys(d for m in matters for d in m.result.delivery)
    return Notice(
        matters=tuple(items),
        departments=tuple(dict.fromkeys(m.department for m in matters)),
        total_fees_yuan=round(sum(f.amount_yuan for m in matters for f in m.fees), 2),
        promised_days=_longest_chain(catalog, selection.selected, "promised_days"),
        statutory_days=_longest_chain(catalog, selection.selected, "time_limit_days"),
        deliveries=tuple(deliveries),
    )


def _longest_chain(catalog: Catalog, selected: Sequence[BundleMatter], attr: str) -> int:
    # Independent matters run in parallel; a dependent one starts when its predecessors end.
    by_code = {m.matter: m for m in selected}
    finish: dict[str, int] = {}

    def finish_of(code: str) -> int:
        if code not in finish:
            item = by_code[code]
            start = max((finish_of(d) for d in item.depends_on if d in by_code), default=0)
            finish[code] = start + int(getattr(catalog.matters[code], attr))
        return finish[code]

    return max((finish_of(code) for code in by_code), default=0)
