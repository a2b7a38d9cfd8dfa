"""Cross-reference checks of a decoded catalog: every name points at something that exists.

Each problem names the field, matter or bundle at fault and the path inside it (``department``,
``matters[2].depends_on[0]`` …), so that the loader can point at the file and line to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from app.catalog.schema import Bundle, Catalog, Condition, FieldKind, Matter, RecordRef
from app.records.sources import SOURCES, SubjectKind

_NOUN = {"fields": "field", "matters": "matter", "bundles": "bundle", "licenses": "license type"}


class Problem(NamedTuple):
    """One inconsistency: the item's section and code, the path inside it, and what is wrong."""

    section: str  # fields, matters, bundles or licenses: the list in the file
    code: str  # the item's code (a field's key)
    path: str  # inside the item, msgspec style: ``materials[0].proven_by[1]``
    message: str

    @property
    def subject(self) -> str:
        """The item at fault, e.g. ``matter `deed-tax```."""
        return f"{_NOUN[self.section]} `{self.code}`"

    def __str__(self) -> str:
        return f"{self.subject}: {self.path}: {self.message}"


def find_problems(
    catalog: Catalog, license_types: set[str], departments: set[str]
) -> list[Problem]:
    """Every inconsistency of ``catalog``, located inside its item."""
    problems = list(_check_fields(catalog))
    for matter in catalog.matters.values():
        problems.extend(_check_matter(matter, catalog, license_types, departments))
    for bundle in catalog.bundles.values():
        problems.extend(_check_bundle(bundle, catalog, departments))
    return problems


def _check_fields(catalog: Catalog) -> Iterator[Problem]:
    for field in catalog.fields.values():
        if field.group not in catalog.groups:
            yield Problem("fields", field.key, "group", f"unknown group `{field.group}`")
        if field.kind is FieldKind.SELECT and not field.options:
            yield Problem("fields", field.key, "options", "a select field needs options")
        if field.prefill is not None:
            yield from _check_record_ref(field.key, field.prefill)


def _check_record_ref(key: str, ref: RecordRef) -> Iterator[Problem]:
    source = SOURCES.get(ref.source)
    if source is None:
        yield Problem("fields", key, "prefill.source", f"unknown record source `{ref.source}`")
    elif source.field(ref.field) is None:
        message = f"source `{source.code}` has no field `{ref.field}`"
        yield Problem("fields", key, "prefill.field", message)


def _check_matter(
    matter: Matter, catalog: Catalog, license_types: set[str], departments: set[str]
) -> Iterator[Problem]:
    def problem(path: str, message: str) -> Problem:
        return Problem("matters", matter.code, path, message)

    if matter.department not in departments:
        yield problem("department", f"unknown department `{matter.department}`")
    if not 0 < matter.promised_days <= matter.time_limit_days:
        yield problem("promised_days", "promised_days must be between 1 and time_limit_days")
    for index, key in enumerate(matter.fields):
        if key not in catalog.fields:
            yield problem(f"fields[{index}]", f"unknown field `{key}`")
    if len(set(matter.fields)) != len(matter.fields):
        yield problem("fields", "a field is listed twice")
    codes = [m.code for m in matter.materials]
    if len(set(codes)) != len(codes):
        yield problem("materials", "a material code is listed twice")
    for index, material in enumerate(matter.materials):
        for position, proof in enumerate(material.proven_by):
            kind, _, name = proof.partition(":")
            if (kind == "record" and name in SOURCES) or (
                kind == "license" and name in license_types
            ):
                continue
            path = f"materials[{index}].proven_by[{position}]"
            yield problem(path, f"material `{material.code}`: unknown proof `{proof}`")
    license_type = matter.result.license_type
    if license_type is not None and license_type not in license_types:
        yield problem("result.license_type", f"unknown license type `{license_type}`")


def _check_bundle(bundle: Bundle, catalog: Catalog, departments: set[str]) -> Iterator[Problem]:
    def problem(path: str, message: str) -> Problem:
        return Problem("bundles", bundle.code, path, message)

    if bundle.lead_department not in departments:
        yield problem("lead_department", f"unknown department `{bundle.lead_department}`")
    for index, origin in enumerate(bundle.origins):
        if origin not in catalog.origins:
            yield problem(f"origins[{index}]", f"unknown origin `{origin}`")
    if bool(bundle.matters) == bool(bundle.outline):
        yield problem("matters", "give either matters (modelled) or an outline (names only)")
    for index, outline in enumerate(bundle.outline):
        if outline.department not in departments:
            message = f"`{outline.name.zh}`: unknown department `{outline.department}`"
            yield problem(f"outline[{index}].department", message)
    answers = {q.key: {o.value for o in q.options} for q in bundle.questions}
    for index, question in enumerate(bundle.questions):
        for path, message in _check_conditions(question.shown_when, answers):
            yield problem(f"questions[{index}].shown_when{path}", message)
    codes = [m.matter for m in bundle.matters]
    if len(set(codes)) != len(codes):
        yield problem("matters", "a matter is listed twice")
    for index, item in enumerate(bundle.matters):
        matter = catalog.matters.get(item.matter)
        if matter is None:
            yield problem(f"matters[{index}].matter", f"unknown matter `{item.matter}`")
            continue
        for path, message in _check_conditions(item.applies_when, answers):
            yield problem(f"matters[{index}].applies_when{path}", f"`{item.matter}`: {message}")
        for position, dependency in enumerate(item.depends_on):
            if dependency not in codes or dependency == item.matter:
                message = f"`{item.matter}` depends on `{dependency}`, not in bundle"
                yield problem(f"matters[{index}].depends_on[{position}]", message)
        for message in _check_audience(bundle, matter, catalog):
            yield problem(f"matters[{index}].matter", message)
    yield from (problem(path, message) for path, message in _check_dependencies(bundle))


def _check_dependencies(bundle: Bundle) -> Iterator[tuple[str, str]]:
    items = {m.matter: m for m in bundle.matters}
    for index, item in enumerate(bundle.matters):
        for position, dependency in enumerate(item.depends_on):
            needed = items.get(dependency)
            # Deselecting an optional matter deselects those that depend on it: a required
            # matter cannot, so it must not wait for an optional one.
            if needed is not None and needed.optional and not item.optional:
                message = f"required matter `{item.matter}` depends on optional `{dependency}`"
                yield f"matters[{index}].depends_on[{position}]", message
    cycle = _find_cycle({code: item.depends_on for code, item in items.items()})
    if cycle:
        yield "matters", f"matters depend on each other in a circle: {' -> '.join(cycle)}"


def _find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """One dependency circle of ``graph`` (first node repeated at the end), or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str]:  # ``path`` ends with ``node``
        state[node] = 1
        for following in graph.get(node, ()):
            if following == node:
                continue  # a matter naming itself is reported as outside the bundle
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
    conditions: tuple[Condition, ...], answers: dict[str, set[str]]
) -> Iterator[tuple[str, str]]:
    for index, condition in enumerate(conditions):
        options = answers.get(condition.question)
        if options is None:
            message = f"condition on unknown question `{condition.question}`"
            yield f"[{index}].question", message
        elif not set(condition.any_of) <= options:
            others = ", ".join(f"`{a}`" for a in condition.any_of if a not in options)
            message = (
                f"condition on `{condition.question}` names an answer it does not offer: {others}"
            )
            yield f"[{index}].any_of", message


def _check_audience(bundle: Bundle, matter: Matter, catalog: Catalog) -> Iterator[str]:
    # A person's bundle cannot read enterprise records: there is no enterprise to read about.
    if bundle.audience is not SubjectKind.PERSON:
        return
    for key in matter.fields:
        field = catalog.fields.get(key)
        if field is None or field.prefill is None:
            continue
        source = SOURCES.get(field.prefill.source)
        if source is not None and source.subject is SubjectKind.ENTERPRISE:
            yield f"`{matter.code}`: field `{key}` reads enterprise records in a person's bundle"
