"""Copy the pinned front-end files named in package.json's ``vendor`` map into assets/vendor/.

Run after ``npm ci``; assets/vendor/ is git-ignored (others' code is installed, not committed).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Copy each listed file; fail loudly when one is missing."""
    manifest = json.loads((ROOT / "package.json").read_text())
    target_root = ROOT / "assets" / "vendor"
    for package, files in manifest["vendor"].items():
        source_dir = ROOT / "node_modules" / package
        for relative in files:
            source = source_dir / relative
            if not source.is_file():
                print(f"missing {source}: run `npm ci` first", file=sys.stderr)  # noqa: T201
                return 1
            destination = target_root / package / Path(relative).name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return 0


if __name__ == "__main__":
    sys.exit(main())
