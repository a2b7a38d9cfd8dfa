"""Fail when a message is missing from the catalogs or left untranslated in zh_Hans.

Every user-facing string goes through ``locales/``: the template must list every message
the code and templates use, and the default language (zh_Hans) must translate each one.
English is the source language, so an empty English entry falls back to the source text.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
MUST_TRANSLATE = ("zh_Hans",)


def _extract(target: Path) -> None:
    argv = [
        str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg",
        "-k", "_", "-k", "gettext", "-k", "N_", "-k", "ngettext:1,2",
        "--no-location", "--omit-header", "-o", str(target), ".",
    ]  # fmt: skip
    subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)  # noqa: S603 (fixed argv)


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}


def _translated(string: object) -> bool:
    """A singular message needs its text; a plural one needs every form."""
    return bool(string) if isinstance(string, str) else all(string)  # type: ignore[call-overload]


def main() -> int:
    """Print every problem; exit 1 when there is one."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        _extract(fresh)
        used = _ids(fresh)
    missing = sorted(used - _ids(LOCALES / "messages.pot"))
    problems = [f"not in locales/messages.pot (run make locales): {m!r}" for m in missing]
    for locale in sorted(p.name for p in LOCALES.iterdir() if p.is_dir()):
        with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle)
        present = {str(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
        problems += [f"{locale}: missing {m!r} (run make locales)" for m in sorted(used - present)]
        if locale in MUST_TRANSLATE:
            problems += [
                f"{locale}: untranslated or fuzzy {m.id!r}"
                for m in catalog
                if m.id and (m.fuzzy or not _translated(m.string))
            ]
    for problem in problems:
        print(problem, file=sys.stderr)  # noqa: T201
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
