"""The training service under test: built as `python -m services.training` builds it, on a real broker and database."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import func, select

from services.training.app import build
from services.training.config import TrainingSettings
from services.training.store import TrainingStore
from services.training.store.tables import TrainingBase
from shared.contracts.agency.company import ProfileSubmitted, ProfileWithdrawn
from shared.contracts.agency.training import CompletionRecorded, CoursePublished, Learner, LearnerErasureRequested
from shared.contracts.base import Contract
from shared.contracts.subjects import agency_source
from shared.contracts.training import SkillRecordUpdated
from shared.messaging.envelope import OutgoingMessage, encode
from shared.messaging.publisher import publish
from shared.runtime.service import Service
from tests.support.probe import running as running  # the training tests' import of it
from tests.support.probe import stored
from tests.unit.training.builders import course_payload, simple_payload, statement, xapi_payload

__all__ = ["course_payload", "simple_payload", "statement", "xapi_payload"]

SUBJECT = "kakehashi.api.training.credentials"
_ids = itertools.count(1)


def training_service(nats_url: str, database_url: str, **overrides: object) -> Service:
    settings = TrainingSettings.model_validate(
        {
            "nats_url": nats_url,
            "database_url": database_url,
            "retry_delay": 0.05,
            "retry_max_delay": 0.5,
            "graceful_timeout": 10.0,
            "issuer_id": "https://kakehashi.example.go.th/issuer",
            **overrides,
        }
    )
    return build(settings)


def event(data: Contract, *, agency: str = "jp-mie", event_id: str | None = None) -> OutgoingMessage:
    return encode(
        data,
        source=agency_source(agency),
        agency=agency,
        subject_id=getattr(data, "company_id", None) or getattr(data, "course_id", None),
        event_id=event_id or f"evt-{next(_ids)}",
    )


def raw_event(payload: dict[str, Any], *, agency: str = "jp-mie", event_id: str) -> OutgoingMessage:
    """A completion event carrying `payload` as it is, valid or not: what a faulty LMS might send."""
    template = event(CompletionRecorded.model_validate(xapi_payload()), agency=agency, event_id=event_id)
    return dataclasses.replace(template, body=json.dumps(payload).encode())


async def send(js: JetStreamContext, *messages: OutgoingMessage) -> None:
    for message in messages:
        await publish(js, message)


def course(**changes: Any) -> CoursePublished:
    return CoursePublished.model_validate(course_payload(**changes))


def xapi(company_id: str = "th-0105551234567", **changes: Any) -> CompletionRecorded:
    return CompletionRecorded.model_validate(xapi_payload(company_id, **changes))


def simple(**changes: Any) -> CompletionRecorded:
    return CompletionRecorded.model_validate(simple_payload(**changes))


def erasure(company_id: str, **learner: Any) -> LearnerErasureRequested:
    return LearnerErasureRequested(
        company_id=company_id, learner=Learner.model_validate(learner), reason="Learner request under PDPA"
    )


def withdrawal(company_id: str) -> ProfileWithdrawn:
    return ProfileWithdrawn(company_id=company_id, reason="Company request under PDPA section 33")


def profile(company_id: str) -> ProfileSubmitted:
    return ProfileSubmitted.model_validate(
        {
            "company_id": company_id,
            "profile_version": 2,
            "country": "TH",
            "region": "Chonburi",
            "name": {"en": "Siam Coastal Foods Co., Ltd."},
            "contact": {"name": "Somchai P.", "email": "somchai@example.co.th", "preferred_language": "th"},
            "consent": {"matching": True, "share_contact_on_mutual_accept": True},
        }
    )


async def skill_records(js: JetStreamContext) -> list[SkillRecordUpdated]:
    """Every SkillRecordUpdated the service published, in stream order."""
    messages = await stored(js, "TRAINING", SkillRecordUpdated.route.filter)
    return [SkillRecordUpdated.model_validate_json(message.data or b"") for message in messages]


async def count_rows(service: Service, table: str, **where: str) -> int:
    """Rows of one of the service's tables, optionally where columns equal values."""
    model = TrainingBase.metadata.tables[table]
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(model.c[column] == value)
    async with service.sessions() as session:
        return int(await session.scalar(query) or 0)


async def rows(service: Service, table: str) -> list[dict[str, Any]]:
    model = TrainingBase.metadata.tables[table]
    async with service.sessions() as session:
        result = await session.execute(select(model))
        return [dict(row._mapping) for row in result]


@asynccontextmanager
async def reading(service: Service) -> AsyncIterator[TrainingStore]:
    """The service's store, for a look at what it holds."""
    async with service.sessions() as session:
        yield TrainingStore(session)


async def request_credentials(client: Client, request: object) -> Any:
    reply = await client.request(SUBJECT, json.dumps(request).encode(), timeout=5)
    return json.loads(reply.data)
