"""The code's shape is checked, not hoped for: lint, format, strict types and the import architecture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],  # strict, with the pydantic plugin (pyproject.toml)
        ["lint-imports"],  # services never import each other; contracts do no I/O (pyproject.toml)
    ],
    ids=["ruff", "ruff-format", "mypy", "import-linter"],
)
def test_static_check_passes(command: list[str]) -> None:
    result = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
