"""Cross-reference checks of a decoded catalog: every name points at something that exists.

Each problem is one line naming the bundle, matter or field at fault, so that a broken
catalog stops start-up with a message that says what to fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.catalog.schema import Bundle, Catalog, Condition, FieldKind, Matter, RecordRef
from app.records.sources import SOURCES, SubjectKind


def check_catalog(catalog: Catalog, license_types: set[str], departments: set[str]) -> list[str]:
    """Every inconsistency of ``catalog``, one message each (empty when all is well)."""
    problems = list(_check_fields(catalog))
    for matter in catalog.matters.values():
        problems.extend(_check_matter(matter, catalog, license_types, departments))
    for bundle in catalog.bundles.values():
        problems.extend(_check_bundle(bundle, catalog, departments))
    return problems


def _check_fields(catalog: Catalog) -> Iterator[str]:
    for field in catalog.fields.values():
        where = f"field `{field.key}`"
        if field.group not in catalog.groups:
            yield f"{where}: unknown group `{field.group}`"
        if field.kind is FieldKind.SELECT and not field.options:
            yield f"{where}: a select field needs options"
        if field.prefill is not None:
            yield from _check_record_ref(where, field.prefill)


def _check_record_ref(where: str, ref: RecordRef) -> Iterator[str]:
    source = SOURCES.get(ref.source)
    if source is None:
        yield f"{where}: unknown record source `{ref.source}`"
    elif source.field(ref.field) is None:
        yield f"{where}: source `{source.code}` has no field `{ref.field}`"


def _check_matter(
    matter: Matter, catalog: Catalog, license_types: set[str], departments: set[str]
) -> Iterator[str]:
    where = f"matter `{matter.code}`"
    if matter.department not in departments:
        yield f"{where}: unknown department `{matter.department}`"
    if not 0 < matter.promised_days <= matter.time_limit_days:
        yield f"{where}: promised_days must be between 1 and time_limit_days"
    for key in matter.fields:
        if key not in catalog.fields:
            yield f"{where}: unknown field `{key}`"
    if len(set(matter.fields)) != len(matter.fields):
        yield f"{where}: a field is listed twice"
    codes = [m.code for m in matter.materials]
    if len(set(codes)) != len(codes):
        yield f"{where}: a material code is listed twice"
    for material in matter.materials:
        for proof in material.proven_by:
            kind, _, name = proof.partition(":")
            if kind == "record" and name in SOURCES:
                continue
            if kind == "license" and name in license_types:
                continue
            yield f"{where}: material `{material.code}`: unknown proof `{proof}`"
    license_type = matter.result.license_type
    if license_type is not None and license_type not in license_types:
        yield f"{where}: unknown license type `{license_type}`"


def _check_bundle(bundle: Bundle, catalog: Catalog, departments: set[str]) -> Iterator[str]:
    where = f"bundle `{bundle.code}`"
    if bundle.lead_department not in departments:
        yield f"{where}: unknown department `{bundle.lead_department}`"
    for origin in bundle.origins:
        if origin not in catalog.origins:
            yield f"{where}: unknown origin `{origin}`"
    if bool(bundle.matters) == bool(bundle.outline):
        yield f"{where}: give either matters (modelled) or an outline (names only), not both"
    for outline in bundle.outline:
        if outline.department not in departments:
            yield f"{where}: outline `{outline.name.zh}`: unknown department `{outline.department}`"
    answers = {q.key: {o.value for o in q.options} for q in bundle.questions}
    for question in bundle.questions:
        yield from _check_conditions(
            f"{where}: question `{question.key}`", question.shown_when, answers
        )
    codes = [m.matter for m in bundle.matters]
    if len(set(codes)) != len(codes):
        yield f"{where}: a matter is listed twice"
    for item in bundle.matters:
        matter = catalog.matters.get(item.matter)
        if matter is None:
            yield f"{where}: unknown matter `{item.matter}`"
            continue
        yield from _check_conditions(f"{where}: matter `{item.matter}`", item.applies_when, answers)
        for dependency in item.depends_on:
            if dependency not in codes or dependency == item.matter:
                yield f"{where}: matter `{item.matter}` depends on `{dependency}`, not in bundle"
        yield from _check_audience(where, bundle, matter, catalog)
    yield from _check_dependencies(where, bundle)


def _check_dependencies(where: str, bundle: Bundle) -> Iterator[str]:
    items = {m.matter: m for m in bundle.matters}
    for item in bundle.matters:
        for dependency in item.depends_on:
            needed = items.get(dependency)
            # Deselecting an optional matter deselects those that depend on it: a required
            # matter cannot, so it must not wait for an optional one.
            if needed is not None and needed.optional and not item.optional:
                yield f"{where}: required matter `{item.matter}` depends on optional `{dependency}`"
    cycle = _find_cycle({code: item.depends_on for code, item in items.items()})
    if cycle:
        yield f"{where}: matters depend on each other in a circle: {' -> '.join(cycle)}"


def _find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """One dependency circle of ``graph`` (first node repeated at the end), or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str]:  # ``path`` ends with ``node``
        state[node] = 1
        for following in graph.get(node, ()):
            if state.get(following) == 1:
                return [*path[path.index(following) :], following]
            if following in graph and following not in state:
                found = visit(following, [*path, following])
                if found:
                    return found
        state[node] = 2
        return []

    for start in graph:
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return []


def _check_conditions(
    where: str, conditions: tuple[Condition, ...], answers: dict[str, set[str]]
) -> Iterator[str]:
    for condition in conditions:
        options = answers.get(condition.question)
        if options is None:
            yield f"{where}: condition on unknown question `{condition.question}`"
        elif not set(condition.any_of) <= options:
            yield f"{where}: condition on `{condition.question}` names an answer it does not offer"


def _check_audience(where: str, bundle: Bundle, matter: Matter, catalog: Catalog) -> Iterator[str]:
    # A person's bundle cannot read enterprise records: there is no enterprise to read about.
    if bundle.audience is not SubjectKind.PERSON:
        return
    for key in matter.fields:
        field = catalog.fields.get(key)
        if field is None or field.prefill is None:
            continue
        source = SOURCES.get(field.prefill.source)
        if source is not None and source.subject is SubjectKind.ENTERPRISE:
            yield f"{where}: field `{key}` reads enterprise records in a person's bundle"
