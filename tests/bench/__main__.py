"""`python -m tests.bench [NAME …]`: run the benchmarks, print their results, write them to docs/bench/.

Each `tests/bench/bench_<name>.py` exposes `run(out_dir: Path) -> dict` returning JSON-able results
(ratios against a baseline measured in the same run, not absolute targets), and may write plots
into `out_dir`. Results land in `docs/bench/<name>.json`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import tests.bench

OUT = Path(__file__).resolve().parents[2] / "docs" / "bench"


def main() -> int:
    available = sorted(
        module.name.removeprefix("bench_")
        for module in pkgutil.iter_modules(tests.bench.__path__)
        if module.name.startswith("bench_")
    )
    parser = argparse.ArgumentParser(prog="make bench", description="Run Kakehashi's benchmarks.")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(available)}")
    chosen = parser.parse_args().names or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; there are {', '.join(available) or 'none'}")
    if not chosen:
        print("no benchmarks yet")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        module = importlib.import_module(f"tests.bench.bench_{name}")
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        results = module.run(OUT)
        results["wall_seconds"] = round(time.perf_counter() - started, 1)
        (OUT / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
