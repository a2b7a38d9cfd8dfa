"""Load and check the catalog files; a broken file stops start-up naming file, line and field.

Layout of ``app/catalog/data/``::

    origins.yaml        the policy lists bundles come from
    fields.yaml         form groups and canonical fields
    licenses.yaml       e-license types a result can be
    matters/*.yaml      service items (事项)
    bundles/*.yaml      bundles (一件事)

YAML is parsed into nodes first so that a msgspec validation path such as
``$.matters[3].time_limit_days`` can be traced back to its line.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import msgspec
import yaml

from app.catalog.schema import Bundle, Catalog, FieldDef, FieldGroup, Matter, Text
from app.catalog.validation import Problem, find_problems

DATA_DIR = Path(__file__).resolve().parent / "data"
DEPARTMENTS_FILE = Path(__file__).resolve().parent.parent / "demo" / "departments.toml"

T = TypeVar("T")


class CatalogError(Exception):
    """A catalog file is broken. The message names the file, the line and the field."""


class LicenseType(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A kind of e-license (电子证照类型) and the department that issues it."""

    code: str
    name: Text
    department: str
    valid_years: int | None = None


class _Origin(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    code: str
    label: Text


class _OriginsFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    origins: list[_Origin]


class _FieldsFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    groups: list[FieldGroup]
    fields: list[FieldDef]


class _LicensesFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    licenses: list[LicenseType]


class _MattersFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    matters: list[Matter]


class _BundlesFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    bundles: list[Bundle]


class LoadedCatalog(msgspec.Struct, kw_only=True, frozen=True):
    """The catalog and the license types, as checked at start-up."""

    catalog: Catalog
    licenses: dict[str, LicenseType]
    departments: dict[str, Text]


def load_catalog(data_dir: Path = DATA_DIR) -> LoadedCatalog:
    """Read, decode and cross-check every catalog file under ``data_dir``."""
    places: dict[tuple[str, str], _Place] = {}
    origins, _ = _read(data_dir / "origins.yaml", _OriginsFile)
    fields_file, fields_node = _read(data_dir / "fields.yaml", _FieldsFile)
    licenses_file, licenses_node = _read(data_dir / "licenses.yaml", _LicensesFile)
    fields_at = data_dir / "fields.yaml"
    catalog = Catalog(
        groups=_index([(fields_at, fields_node, fields_file.groups)], "groups", places),
        fields=_index([(fields_at, fields_node, fields_file.fields)], "fields", places, "key"),
        matters=_index(_read_each(data_dir / "matters", _MattersFile), "matters", places),
        bundles=_index(_read_each(data_dir / "bundles", _BundlesFile), "bundles", places),
        origins={o.code: o.label for o in origins.origins},
    )
    license_index: dict[str, LicenseType] = _index(
        [(data_dir / "licenses.yaml", licenses_node, licenses_file.licenses)], "licenses", places
    )
    departments = department_names()
    problems = find_problems(catalog, set(license_index), set(departments))
    problems += [
        Problem("licenses", code, "department", f"unknown department `{kind.department}`")
        for code, kind in license_index.items()
        if kind.department not in departments
    ]
    if problems:
        located = (_locate(problem, places) for problem in problems)
        raise CatalogError("catalog is inconsistent:\n  " + "\n  ".join(located))
    return LoadedCatalog(catalog=catalog, licenses=license_index, departments=departments)


@cache
def default_catalog() -> LoadedCatalog:
    """The repository's catalog, loaded once per process (it is read-only data)."""
    return load_catalog()


@cache
def catalog_at(data_dir: Path | None) -> LoadedCatalog:
    """The catalog in ``data_dir`` (``ONETHING_CATALOG_DIR``), else the repository's; once each."""
    return load_catalog(data_dir) if data_dir is not None else default_catalog()


@cache
def department_names() -> dict[str, Text]:
    """The departments the catalog may name, code -> name (``app/demo/departments.toml``)."""
    with DEPARTMENTS_FILE.open("rb") as f:
        rows = tomllib.load(f)["department"]
    return {d["code"]: Text(zh=d["name_zh"], en=d["name_en"]) for d in rows}


class _Place(NamedTuple):
    """Where an item was read: its file, the file's YAML nodes, its path (``matters[3]``)."""

    path: Path
    node: yaml.Node | None
    where: str


_Items = list[tuple[Path, yaml.Node | None, list[Any]]]


def _read(path: Path, kind: type[T]) -> tuple[T, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{_rel(path)}: cannot be read ({exc.strerror})") from None
    try:
        node, raw = _parse(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise CatalogError(f"{_rel(path)}:{line}: not valid YAML ({exc.problem})") from None
    try:
        return msgspec.convert(raw, type=kind), node
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        where = where.rstrip("`") or "$"
        # An unknown key is pointed at itself, not at the item that holds it.
        unknown = re.search(r"unknown field `([^`]+)`", message)
        line = _line_of(node, f"{where}.{unknown.group(1)}" if unknown else where)
        field = where.removeprefix("$.") if where != "$" else "(top level)"
        raise CatalogError(f"{_rel(path)}:{line}: {field}: {message}") from None


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The YAML nodes (for line numbers) and the data they make, parsed once with libyaml."""
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _read_each(folder: Path, kind: type[Any]) -> _Items:
    read = [(path, *_read(path, kind)) for path in sorted(folder.glob("*.yaml"))]
    return [(path, node, getattr(decoded, folder.name)) for path, decoded, node in read]


def _index(
    files: _Items, section: str, places: dict[tuple[str, str], _Place], key: str = "code"
) -> dict[str, Any]:
    """Items of ``section`` by ``key``; a key defined twice is an error naming both places."""
    index: dict[str, Any] = {}
    for path, node, items in files:
        for position, item in enumerate(items):
            name = getattr(item, key)
            place = _Place(path, node, f"{section}[{position}]")
            if name in index:
                first = places[(section, name)]
                raise CatalogError(
                    f"{_at(place, key)}: {place.where}.{key}: `{name}` is defined twice "
                    f"(first at {_at(first, key)})"
                )
            index[name], places[(section, name)] = item, place
    return index


def _locate(problem: Problem, places: dict[tuple[str, str], _Place]) -> str:
    place = places[(problem.section, problem.code)]
    where = f"{place.where}.{problem.path}"
    return f"{_at(place, problem.path)}: {where}: {problem.subject}: {problem.message}"


def _at(place: _Place, path: str) -> str:
    """``file:line`` of ``path`` inside the item at ``place``."""
    return f"{_rel(place.path)}:{_line_of(place.node, f'$.{place.where}.{path}')}"


# libyaml parses ten times faster than the pure-Python parser; PyYAML's wheels include it.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+|\.\.\.)\]")


def _line_of(node: yaml.Node | None, where: str) -> int:
    """The 1-based line of the YAML node at msgspec path ``where`` (its nearest ancestor)."""
    current = node
    for step in _STEP.finditer(where.removeprefix("$")):
        name, index = step.groups()
        child: yaml.Node | None = None
        if name is not None and isinstance(current, yaml.MappingNode):
            child = next((v for k, v in current.value if k.value == name), None)
        elif index is not None and index.isdigit() and isinstance(current, yaml.SequenceNode):
            position = int(index)
            child = current.value[position] if position < len(current.value) else None
        if child is None:
            break
        current = child
    return current.start_mark.line + 1 if current is not None else 1


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parent.parent.parent))
    except ValueError:
        return str(path)
