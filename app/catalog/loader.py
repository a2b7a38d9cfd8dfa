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
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import yaml

from app.catalog.schema import Bundle, Catalog, FieldDef, FieldGroup, Matter, Text
from app.catalog.validation import check_catalog

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
    origins = _read(data_dir / "origins.yaml", _OriginsFile).origins
    fields_file = _read(data_dir / "fields.yaml", _FieldsFile)
    licenses = _read(data_dir / "licenses.yaml", _LicensesFile).licenses
    matters = _read_each(sorted((data_dir / "matters").glob("*.yaml")), _MattersFile, "matters")
    bundles = _read_each(sorted((data_dir / "bundles").glob("*.yaml")), _BundlesFile, "bundles")
    catalog = Catalog(
        groups=_index(fields_file.groups, "groups", data_dir / "fields.yaml"),
        fields=_index(fields_file.fields, "fields", data_dir / "fields.yaml", key="key"),
        matters=_index_sourced(matters, "matters"),
        bundles=_index_sourced(bundles, "bundles"),
        origins={o.code: o.label for o in origins},
    )
    license_index = _index(licenses, "licenses", data_dir / "licenses.yaml")
    departments = department_names()
    problems = check_catalog(catalog, set(license_index), set(departments))
    problems += [
        f"license type `{code}`: unknown department `{kind.department}`"
        for code, kind in license_index.items()
        if kind.department not in departments
    ]
    if problems:
        raise CatalogError("catalog is inconsistent:\n  " + "\n  ".join(problems))
    return LoadedCatalog(catalog=catalog, licenses=license_index, departments=departments)


@cache
def default_catalog() -> LoadedCatalog:
    """The repository's catalog, loaded once per process (it is read-only data)."""
    return load_catalog()


def department_names() -> dict[str, Text]:
    """The departments the catalog may name, code -> name (``app/demo/departments.toml``)."""
    with DEPARTMENTS_FILE.open("rb") as f:
        rows = tomllib.load(f)["department"]
    return {d["code"]: Text(zh=d["name_zh"], en=d["name_en"]) for d in rows}


def _read(path: Path, kind: type[T]) -> T:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{_rel(path)}: cannot be read ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise CatalogError(f"{_rel(path)}:{line}: not valid YAML ({exc.problem})") from None
    try:
        return msgspec.convert(raw, type=kind)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        where = where.rstrip("`") or "$"
        line = _line_of(node, where)
        field = where.removeprefix("$.") if where != "$" else "(top level)"
        raise CatalogError(f"{_rel(path)}:{line}: {field}: {message}") from None


def _read_each(paths: Iterable[Path], kind: type[Any], attr: str) -> list[tuple[Path, list[Any]]]:
    return [(path, getattr(_read(path, kind), attr)) for path in paths]


def _index(items: Iterable[Any], what: str, path: Path, key: str = "code") -> dict[str, Any]:
    index: dict[str, Any] = {}
    for item in items:
        name = getattr(item, key)
        if name in index:
            raise CatalogError(f"{_rel(path)}: {what}: `{name}` is defined twice")
        index[name] = item
    return index


def _index_sourced(files: list[tuple[Path, list[Any]]], what: str) -> dict[str, Any]:
    index: dict[str, Any] = {}
    where: dict[str, Path] = {}
    for path, items in files:
        for item in items:
            if item.code in index:
                raise CatalogError(
                    f"{_rel(path)}: {what}: `{item.code}` is already defined in "
                    f"{_rel(where[item.code])}"
                )
            index[item.code], where[item.code] = item, path
    return index


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
