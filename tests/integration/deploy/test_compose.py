"""docker-compose.yml checked without a Docker engine: against the Compose schema, and against our own rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

from shared.runtime.nats_auth import read_registry, render_accounts

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("matching", "events", "training", "notify")


def _compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(document, dict)
    return document


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads((ROOT / "tests" / "schemas" / "compose-spec.json").read_text())
    errors = sorted(Draft7Validator(schema).iter_errors(_compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_every_service_runs_from_the_one_image_after_streams_are_provisioned() -> None:
    services = _compose()["services"]
    images = {services[name]["image"] for name in (*SERVICES, "streams")}
    assert images == {"kakehashi:${KAKEHASHI_VERSION:-latest}"}
    assert services["streams"]["command"] == ["kakehashi", "streams", "apply"]
    for name in SERVICES:
        service = services[name]
        assert service["command"] == ["python", "-m", f"services.{name}"]
        assert service["depends_on"]["streams"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["nats"] == {"condition": "service_healthy"}
        nats_url = service["environment"]["KAKEHASHI_NATS_URL"]
        assert nats_url.startswith(f"nats://{name}:${{KAKEHASHI_NATS_{name.upper()}_PASSWORD:?"), "its own NATS user"
        assert service["healthcheck"]["test"][-1].endswith("/readyz', timeout=2)")
        database = service["environment"][f"KAKEHASHI_{name.upper()}_DATABASE_URL"]
        assert "${POSTGRES_PASSWORD:?" in database, "a missing secret stops compose, it is never defaulted"
        assert database.endswith(f"/{name}"), "each service owns its database"


def test_the_compose_nats_keeps_every_acknowledged_write_and_enforces_the_accounts() -> None:
    config = (ROOT / "deploy" / "nats" / "single.conf").read_text()
    assert "sync_interval: always" in config
    assert "store_dir: /data" in config
    assert 'include "accounts.conf"' in config
    nats = _compose()["services"]["nats"]
    assert "nats-data:/data" in nats["volumes"]
    assert "./deploy/nats/accounts.conf:/etc/nats/accounts.conf:ro" in nats["volumes"]
    for variable, value in nats["environment"].items():
        assert value == f"${{{variable}:?set {variable}}}", "secrets only from the environment, required"


def test_the_checked_in_accounts_are_generated_from_the_agency_registry() -> None:
    nats = ROOT / "deploy" / "nats"
    assert (nats / "accounts.conf").read_text() == render_accounts(read_registry(nats / "agencies.toml"))
