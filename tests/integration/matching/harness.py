"""Running the real matching service against a test's nats-server and database, and reading what it did."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from nats.js import JetStreamContext
from sqlalchemy import select

from services.matching import store
from services.matching.app import build
from services.matching.config import MatchingSettings
from shared.contracts.base import Contract
from shared.contracts.subjects import agency_source, service_source
from shared.messaging.envelope import OutgoingMessage, encode
from shared.messaging.publisher import publish
from shared.runtime.service import Service
from shared.storage import create_engine, session_factory
from tests.support.probe import stored

C = TypeVar("C", bound=Contract)


def settings(nats_url: str, database_url: str, **overrides: object) -> MatchingSettings:
    values: dict[str, object] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "retry_delay": 0.05,
        "retry_max_delay": 0.5,
        "graceful_timeout": 10.0,
    }
    values.update(overrides)
    return MatchingSettings.model_validate(values)


@asynccontextmanager
async def matching(nats_url: str, database_url: str, **overrides: object) -> AsyncIterator[Service]:
    service = build(settings(nats_url, database_url, **overrides))
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def send(js: JetStreamContext, data: Contract, *, agency: str) -> OutgoingMessage:
    """Publish an agency's event, as the agency's system would."""
    message = encode(data, source=agency_source(agency), agency=agency, subject_id=getattr(data, "company_id", None))
    await publish(js, message)
    return message


async def send_from_training(js: JetStreamContext, data: Contract) -> OutgoingMessage:
    message = encode(data, source=service_source("training"), subject_id=getattr(data, "company_id", None))
    await publish(js, message)
    return message


async def published(js: JetStreamContext, contract: type[C]) -> list[C]:
    """Every event of `contract` the MATCHING stream holds, oldest first."""
    return [
        contract.model_validate(json.loads(message.data or b"{}"))
        for message in await stored(js, "MATCHING", contract.subject)
    ]


async def raw_published(js: JetStreamContext, contract: type[Contract]) -> list[dict[str, Any]]:
    return [json.loads(message.data or b"{}") for message in await stored(js, "MATCHING", contract.subject)]


async def profile_rows(database_url: str) -> dict[str, store.ProfileRow]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = (await session.execute(select(store.ProfileRow))).scalars().all()
            return {row.company_id: row for row in rows}
    finally:
        await engine.dispose()


async def match_rows(database_url: str) -> dict[str, store.MatchRow]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = (await session.execute(select(store.MatchRow))).scalars().all()
            return {row.match_id: row for row in rows}
    finally:
        await engine.dispose()


async def skill_rows(database_url: str) -> dict[tuple[str, str], store.SkillRow]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = (await session.execute(select(store.SkillRow))).scalars().all()
            return {(row.company_id, row.skill_id): row for row in rows}
    finally:
        await engine.dispose()
