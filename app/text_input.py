"""Free text typed by a person: what no field may hold, whatever its kind.

Control characters (NUL, escape sequences …) break storage and logs — PostgreSQL refuses NUL
in text — and bidirectional overrides (U+202E …) make a name or a reason read differently on
screen from what was stored ("Trojan Source", CVE-2021-42574). Neither has a use in a form.
Tab and line breaks stay allowed in multi-line text; zero-width joiners stay allowed because
some scripts and emoji need them.
"""

from __future__ import annotations

import unicodedata

from app.i18n import N_

INVISIBLE = N_("This contains invisible control characters. Type it again without them.")

_LINE_CONTROLS = frozenset("\t\n\r")
_JOINERS = frozenset("\u200c\u200d")
# Cc control, Cf format (bidi overrides, BOM …), Cs surrogate, Co private use, Cn unassigned.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def has_invisible(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a character no typed field may hold."""
    for char in text:
        if multiline and char in _LINE_CONTROLS:
            continue
        if char in _JOINERS:
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return True
    return False
