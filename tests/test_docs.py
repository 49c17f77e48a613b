"""The README matches the code: its two opening commands are what CI runs, every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

from services.events.config import EventsSettings
from services.matching.config import MatchingSettings
from services.notify.config import NotifySettings
from services.training.config import TrainingSettings
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _opening_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", README, re.DOTALL)
    assert block, "the README opens with a bash block"
    assert README.index("```bash") < README.index("\n## "), "before any section"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_the_readme_opens_with_exactly_two_commands_run_and_test() -> None:
    run, test = _opening_commands()
    assert run.endswith("kakehashi up")
    assert test.endswith("pytest")


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    _, test = _opening_commands()
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_service_setting_is_documented() -> None:
    base = set(ServiceSettings.model_fields)
    for settings in (MatchingSettings, EventsSettings, TrainingSettings, NotifySettings):
        prefix = str(settings.model_config["env_prefix"])
        for name in set(settings.model_fields) - base:
            variable = f"{prefix}{name.upper()}"
            assert f"`{variable}`" in README, f"{variable} is missing from the README"


def test_every_setting_is_documented() -> None:
    for name, field in ServiceSettings.model_fields.items():
        variable = field.validation_alias if isinstance(field.validation_alias, str) else None
        documented = variable or "KAKEHASHI_<NAME>_" + name.upper()
        assert f"`{documented}`" in README, f"{documented} is missing from the README's configuration table"
