"""docker-compose.yml read as Compose reads it, for running its services as local processes.

Compose interpolates `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and `${VAR?error}`
from the operator's environment (`$$` is a literal `$`), and service names resolve as host names on
its network. Without an engine, `Compose` does the first and maps the host names of `nats` and
`postgres` to the local processes standing in for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


class MissingVariable(Exception):
    """A `${VAR:?message}` whose variable is unset: Compose refuses to start with this message."""


def interpolate(value: str, environment: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        current = environment.get(name)
        unset = current is None or (op is not None and op.startswith(":") and current == "")
        if op in (":-", "-"):
            return arg if unset else str(current)
        if op in (":?", "?"):
            if unset:
                raise MissingVariable(f"required variable {name} is missing a value: {arg}")
            return str(current)
        return current or ""

    return _VARIABLE.sub(replace, value)


@dataclass(frozen=True)
class Compose:
    """The compose file with the operator's `environment`, and where its named hosts run locally."""

    path: Path
    environment: Mapping[str, str]
    hosts: Mapping[str, str]
    """`name:port` as written in the file → `host:port` of the local stand-in."""

    @property
    def document(self) -> dict[str, Any]:
        loaded = yaml.safe_load(self.path.read_text())
        assert isinstance(loaded, dict)
        return loaded

    def service(self, name: str) -> dict[str, Any]:
        service = self.document["services"][name]
        assert isinstance(service, dict)
        return service

    def service_environment(self, name: str) -> dict[str, str]:
        """The service's `environment:` interpolated, with the compose network's host names resolved."""
        resolved = {}
        for variable, raw in (self.service(name).get("environment") or {}).items():
            value = interpolate(str(raw), self.environment)
            for written, local in self.hosts.items():
                value = value.replace(f"@{written}", f"@{local}")
            resolved[variable] = value
        return resolved

    def command(self, name: str) -> list[str]:
        command = self.service(name)["command"]
        assert isinstance(command, list), f"{name}: use the exec form of command"
        return [interpolate(str(part), self.environment) for part in command]
