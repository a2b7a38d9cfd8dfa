"""下载我的数据 as one ZIP a person can open: pages to read, files for programs, their uploads.

Inside ``onething-<date>/``:

- ``README.txt``: what is inside and where to start, in the person's language;
- ``index.html`` and one page per area (``account.html``, ``applications.html`` …): the
  export told in words (``app.spaces.summary``), each page whole by itself (its style
  inside it: a phone may preview one file of a ZIP without the others); no script;
- ``data/onething.json``: the whole document (``ExportService.document``), as the
  mini-program API answers it; ``data/<table>.csv``: each table for a spreadsheet (UTF-8
  with a byte-order mark, so that Excel reads Chinese; nested values as JSON);
- ``files/``: the files the person uploaded, as they are served back to them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app import i18n
from app.spaces.summary import Area

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "export"


class ArchiveFile(msgspec.Struct, frozen=True):
    """An uploaded file to include, under ``files/``."""

    name: str
    content: bytes


def build_archive(
    document: dict[str, Any], areas: Sequence[Area], files: Sequence[ArchiveFile], *,
    folder: str, locale: str, person_name: str, exported_at: str,
) -> bytes:  # fmt: skip
    """The ZIP's bytes: pages in ``locale``, the document's data, the files."""
    env = _environment()
    context = {
        "html_lang": i18n.HTML_LANG.get(locale, locale), "areas": areas,
        "files": [f.name for f in files], "tables": sorted(document["tables"]),
        "numbers_in_full": document["numbers_in_full"], "person_name": person_name,
        "exported_at": exported_at, "style": (TEMPLATES / "style.css").read_text("utf-8"),
    }  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, content: str | bytes) -> None:
            archive.writestr(f"{folder}/{name}", content)

        put("README.txt", _readme(bool(files)))
        put("index.html", env.get_template("index.html").render(context))
        for area in areas:
            put(f"{area.slug}.html", env.get_template("area.html").render(context, area=area))
        put("data/onething.json", msgspec.json.format(msgspec.json.encode(document)))
        for table, rows in sorted(document["tables"].items()):
            put(f"data/{table}.csv", _csv(rows))
        for file in files:
            put(f"files/{file.name}", file.content)
    return buffer.getvalue()


@cache
def _environment() -> Environment:
    # Built once, at first use; gettext reads the locale of the request being served.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: i18n.translations(i18n.current_locale()).ugettext(message),
        ngettext=lambda s, p, n: i18n.translations(i18n.current_locale()).ungettext(s, p, n),
        newstyle=True,
    )
    return env


def _readme(with_files: bool) -> str:
    _ = i18n.gettext
    lines = [
        _("Your data from OneThing"),
        "",
        _("Open index.html in a web browser: it tells everything OneThing holds about you, "
          "part by part, in words."),
        _("The folder data holds the same data for programs: onething.json, and one CSV file "
          "per table that opens in a spreadsheet."),
    ]  # fmt: skip
    if with_files:
        lines.append(_("The folder files holds the files you uploaded."))
    return "\r\n".join(lines) + "\r\n"


def _csv(rows: list[dict[str, Any]]) -> bytes:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return out.getvalue().encode("utf-8-sig")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return msgspec.json.encode(value).decode()
    if isinstance(value, str) and value.startswith(_FORMULA):
        # Typed text (a comment, a reason) a spreadsheet would run as a formula: kept as text.
        return "'" + value
    return str(value)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
