"""Hypothesis profiles: ``ci`` (the default) and ``long``, chosen by ONETHING_HYPOTHESIS_PROFILE.

``ci`` keeps each property test to a second or so on the 2-core CI machine; ``long`` (``make
fuzz``) runs twenty times the examples. Neither writes Hypothesis' example database: the
examples of the number properties are valid ID and phone numbers, which the personal-data
rule keeps out of files (tests/pii_scan.py).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=50, deadline=None, database=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
settings.register_profile(
    "long", max_examples=1000, deadline=None, database=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
settings.load_profile(os.environ.get("ONETHING_HYPOTHESIS_PROFILE", "ci"))
