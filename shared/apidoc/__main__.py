"""`python -m shared.apidoc` (`make contracts`): write docs/contracts/ from the code, refusing breaking changes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.apidoc.bundle import CONTRACTS_DIR, bundle, check_compatibility


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.apidoc", description=__doc__)
    parser.add_argument("--out", type=Path, default=CONTRACTS_DIR, help="where to write (default docs/contracts)")
    parser.add_argument(
        "--prune",
        action="store_true",
        help="delete schemas of contracts no longer in the code (breaks agencies still sending them)",
    )
    arguments = parser.parse_args()
    files = bundle()
    problems = check_compatibility(arguments.out, files, allow_removed=arguments.prune)
    if problems:
        print("Refusing to write: these changes break agencies using the current contracts.", file=sys.stderr)
        print("Add a new .vN contract alongside instead.", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    wanted = {arguments.out / name for name in files}
    for stale in {path for path in arguments.out.rglob("*") if path.is_file()} - wanted:
        stale.unlink()
    for name, content in files.items():
        path = arguments.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    print(f"wrote {len(files)} files to {arguments.out}: {json.dumps(sorted(files))[:200]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
