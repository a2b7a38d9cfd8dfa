"""Copy the pinned front-end files named in package.json into the places that serve them.

``vendor`` goes to assets/vendor/ (the web pages), ``miniprogramVendor`` to miniprogram/vendor/
(the reference mini-program requires them by relative path, as WeChat's module system needs).
Run after ``npm ci``; both targets are git-ignored (others' code is installed, not committed).
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
    targets = {
        "vendor": ROOT / "assets" / "vendor",
        "miniprogramVendor": ROOT / "miniprogram" / "vendor",
    }
    for key, target_root in targets.items():
        if _copy(manifest.get(key, {}), target_root) != 0:
            return 1
    return 0


def _copy(listed: dict[str, list[str]], target_root: Path) -> int:
    """Copy ``{package: [file, …]}`` from node_modules into ``target_root/package/``."""
    for package, files in listed.items():
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
