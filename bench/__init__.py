"""Benchmarks for OneThing, each printed beside an anchor measured in the same run.

Run them all with ``python -m bench`` from the project root; see ``bench/README.md``.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
