"""Settings come only from the environment; a bad one is named by its variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.events.config import EventsSettings
from services.matching.config import MatchingSettings
from shared.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("KAKEHASHI_"):
            monkeypatch.delenv(name)


def test_defaults_are_embedded_nats_and_a_sqlite_file_per_service() -> None:
    settings = load_settings(MatchingSettings)
    assert settings.nats_url == "nats://127.0.0.1:4222"
    assert settings.database("matching") == f"sqlite+aiosqlite:///{Path('var').resolve() / 'matching.db'}"


def test_each_service_reads_its_own_database_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEHASHI_MATCHING_DATABASE_URL", "postgresql://kakehashi@db:5432/matching")
    monkeypatch.setenv("KAKEHASHI_DATA_DIR", "/srv/kakehashi")
    assert load_settings(MatchingSettings).database("matching") == "postgresql+asyncpg://kakehashi@db:5432/matching"
    assert load_settings(EventsSettings).database("events") == "sqlite+aiosqlite:////srv/kakehashi/events.db"


def test_a_cluster_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEHASHI_NATS_URL", "nats://n1:4222, nats://n2:4222,tls://n3:4222")
    assert load_settings(MatchingSettings).nats_url == "nats://n1:4222,nats://n2:4222,tls://n3:4222"


def test_every_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEHASHI_NATS_URL", "127.0.0.1:4222")
    monkeypatch.setenv("KAKEHASHI_MATCHING_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("KAKEHASHI_FETCH_BATCH", "0")
    monkeypatch.setenv("KAKEHASHI_LOG_LEVEL", "CHATTY")
    with pytest.raises(ConfigError) as error:
        load_settings(MatchingSettings)
    message = str(error.value)
    assert "KAKEHASHI_NATS_URL: '127.0.0.1:4222' is not a NATS URL" in message
    assert "KAKEHASHI_MATCHING_DATABASE_URL: a SQLite URL needs a file path" in message
    assert "KAKEHASHI_FETCH_BATCH: Input should be greater than or equal to 1" in message
    assert "KAKEHASHI_LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'" in message
