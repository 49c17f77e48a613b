"""Running the `kakehashi` command and the services as an operator would: as processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KAKEHASHI = Path(sys.executable).parent / "kakehashi"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


async def kakehashi(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    """Run `kakehashi ARGS…` and collect its exit status and output (wide, uncoloured)."""
    environment = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", **(env or {})}
    completed = await asyncio.to_thread(
        subprocess.run,
        [str(KAKEHASHI), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


async def python_module(module: str, env: dict[str, str], timeout: float = 60) -> Result:
    """Run `python -m MODULE` with exactly the KAKEHASHI_* variables given (others removed)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAKEHASHI_")}
    environment.update(env)
    completed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)
