"""Configuration from the environment only: the settings every service shares, and how errors are reported."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, Field, PositiveFloat, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.storage.engine import database_url

_NATS_SCHEMES = ("nats://", "tls://", "ws://", "wss://")
_SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(//[^/@:]*:)[^/@]*@")


def _without_credentials(value: str) -> str:
    """A value safe to print: a password inside a URL is masked."""
    return _URL_CREDENTIALS.sub(r"\1***@", value)


def _nats_servers(value: str) -> str:
    servers = [server.strip() for server in value.split(",") if server.strip()]
    if not servers:
        raise ValueError("give at least one server, e.g. nats://127.0.0.1:4222")
    for server in servers:
        if not server.startswith(_NATS_SCHEMES) or len(server.split("://", 1)[1]) == 0:
            shown = _without_credentials(server)
            raise ValueError(f"{shown!r} is not a NATS URL; write nats://host:port (several separated by commas)")
    return ",".join(servers)


def _database(value: str | None) -> str | None:
    if value is None:
        return None
    return database_url(value).render_as_string(hide_password=False)


NatsServers = Annotated[str, AfterValidator(_nats_servers)]
DatabaseUrl = Annotated[str | None, AfterValidator(_database)]


class ConfigError(Exception):
    """A missing or malformed setting; the message names each environment variable at fault."""


class ServiceSettings(BaseSettings):
    """What every service reads: `KAKEHASHI_*` shared settings and its own `KAKEHASHI_<NAME>_*` ones.

    A service subclasses this with `env_prefix="KAKEHASHI_<NAME>_"`; the shared fields carry
    their full variable names as aliases, so the prefix does not apply to them.
    """

    # An empty variable means unset (compose passes `${VAR:-}` through as ""): the default applies.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True, env_ignore_empty=True)

    nats_url: NatsServers = Field(
        "nats://127.0.0.1:4222",
        validation_alias="KAKEHASHI_NATS_URL",
        description="NATS server URL(s), comma-separated for a cluster.",
    )
    nats_creds: Path | None = Field(
        None, validation_alias="KAKEHASHI_NATS_CREDS", description="A NATS credentials (.creds) file."
    )
    nats_tls_ca: Path | None = Field(
        None,
        validation_alias="KAKEHASHI_NATS_TLS_CA",
        description="CA certificate to verify the NATS servers by (TLS; use tls:// URLs).",
    )
    data_dir: Path = Field(
        Path("var"), validation_alias="KAKEHASHI_DATA_DIR", description="Where SQLite files live by default."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="KAKEHASHI_LOG_LEVEL", description="Log level."
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        validation_alias="KAKEHASHI_LOG_FORMAT",
        description="`json` for one JSON object per line (with event id and trace id), as containers want.",
    )
    http_port: Annotated[int, Field(ge=0, le=65535)] = Field(
        0,
        validation_alias="KAKEHASHI_HTTP_PORT",
        description="Port of /healthz, /readyz and /metrics; 0 picks a free one (logged). The image sets 8080.",
    )
    trace_file: Path | None = Field(
        None,
        validation_alias="KAKEHASHI_TRACE_FILE",
        description="Write OpenTelemetry spans here, one JSON object per line (OTLP: set OTEL_EXPORTER_OTLP_ENDPOINT).",
    )
    graceful_timeout: PositiveFloat = Field(
        20.0,
        validation_alias="KAKEHASHI_GRACEFUL_TIMEOUT",
        description="Seconds a stopping service gives in-flight work before it gives up.",
    )
    max_deliver: Annotated[int, Field(ge=2, le=100)] = Field(
        10,
        validation_alias="KAKEHASHI_MAX_DELIVER",
        description="Deliveries of an event before a transient failure sends it to the DLQ.",
    )
    ack_wait: Annotated[float, Field(ge=5, le=3600)] = Field(
        60.0,
        validation_alias="KAKEHASHI_ACK_WAIT",
        description="Seconds JetStream waits for an event's ack before redelivering it (a batch in hand is kept "
        "alive meanwhile): how soon work fetched by a replica that died, or acks lost with a NATS node, comes back.",
    )
    retry_delay: PositiveFloat = Field(
        0.5, validation_alias="KAKEHASHI_RETRY_DELAY", description="First retry delay in seconds; it doubles."
    )
    retry_max_delay: PositiveFloat = Field(
        30.0, validation_alias="KAKEHASHI_RETRY_MAX_DELAY", description="Longest retry delay in seconds."
    )
    fetch_batch: Annotated[int, Field(ge=1, le=5000)] = Field(
        500, validation_alias="KAKEHASHI_FETCH_BATCH", description="Events fetched and committed together."
    )
    max_event_bytes: PositiveInt = Field(
        256 * 1024,
        validation_alias="KAKEHASHI_MAX_EVENT_BYTES",
        description="Largest accepted event body; larger ones go to the DLQ.",
    )
    fields_file: Path | None = Field(
        None,
        validation_alias="KAKEHASHI_FIELDS_FILE",
        description="Extra fields of cooperation (TOML, as shared/taxonomy/fields.toml).",
    )
    skills_file: Path | None = Field(
        None,
        validation_alias="KAKEHASHI_SKILLS_FILE",
        description="Extra skills (TOML, as shared/taxonomy/skills.toml).",
    )
    database_url: DatabaseUrl = Field(
        None,
        description="The service's database (KAKEHASHI_<NAME>_DATABASE_URL); "
        "default: a SQLite file <data dir>/<name>.db.",
    )

    def database(self, service: str) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / f'{service}.db').resolve()}"


S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S]) -> S:
    """Read settings from the environment, or raise `ConfigError` naming each variable at fault."""
    try:
        return cls()
    except ValidationError as error:
        prefix = str(cls.model_config.get("env_prefix", ""))
        lines = []
        for detail in error.errors(include_url=False):
            name = str(detail["loc"][0]) if detail["loc"] else ""
            variable = name if name.startswith("KAKEHASHI_") else f"{prefix}{name}".upper() if name else prefix + "*"
            message = detail["msg"].removeprefix("Value error, ")
            given = detail.get("input")
            if isinstance(given, str) and _without_credentials(given) not in message and not _SECRET.search(variable):
                message = f"{message} (got {_without_credentials(given)!r})"
            lines.append(f"{variable}: {message}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
