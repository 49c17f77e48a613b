"""How a service starts (and refuses to): `python -m services.<name>` configured only by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import python_module
from tests.support.infra import Broker


@pytest.mark.parametrize("service", ["matching", "events", "training", "notify"])
async def test_a_malformed_setting_stops_the_service_naming_the_variable(service: str, tmp_path: Path) -> None:
    result = await python_module(
        f"services.{service}",
        {
            "KAKEHASHI_NATS_URL": "localhost:4222",
            f"KAKEHASHI_{service.upper()}_DATABASE_URL": "mysql://db/x",
            "KAKEHASHI_MAX_DELIVER": "lots",
            "KAKEHASHI_DATA_DIR": str(tmp_path),
        },
    )
    assert result.code == 2
    assert "KAKEHASHI_NATS_URL: 'localhost:4222' is not a NATS URL" in result.err
    assert f"KAKEHASHI_{service.upper()}_DATABASE_URL: unsupported database 'mysql'" in result.err
    assert "KAKEHASHI_MAX_DELIVER: Input should be a valid integer" in result.err


async def test_a_service_without_its_streams_says_how_to_create_them(nats_server: Broker, tmp_path: Path) -> None:
    result = await python_module(
        "services.matching", {"KAKEHASHI_NATS_URL": nats_server.url, "KAKEHASHI_DATA_DIR": str(tmp_path)}
    )
    assert result.code == 3
    assert "streams COLLAB_IN, MATCHING, TRAINING do not exist: run `kakehashi streams apply` first" in result.err
    assert (tmp_path / "matching.db").exists(), "the default database is a SQLite file in the data dir"
