"""The credentials endpoint: NATS request-reply on a subject outside the event streams.

Request `{"learner": {"mbox": "mailto:…"}}` (or `learner_id`, `mbox_sha1sum`, `openid`, `account`;
with `company_id` to narrow it to one company); the reply is a JSON array of the learner's Open
Badges 3.0 credentials, oldest first, or `{"error": "…", "problems": [{"field": …, "problem": …}]}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from nats.aio.client import Client
from nats.aio.msg import Msg
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.training.handlers import credentials_for
from shared.contracts.agency.training import Learner
from shared.contracts.common import CompanyId
from shared.contracts.rejections import Problem
from shared.messaging.errors import problems_from
from shared.runtime.service import Service

log = logging.getLogger(__name__)

QUEUE = "training-credentials"
"""Replicas share the requests: each is answered once."""


class CredentialsRequest(BaseModel):
    """Whose credentials to fetch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner: Learner = Field(description="The learner, identified as in their completions.")
    company_id: CompanyId | None = Field(default=None, description="Only credentials earned at this company.")


async def answer(sessions: async_sessionmaker[AsyncSession], body: bytes) -> bytes:
    """The reply to one request: the credentials as a JSON array, or an error object."""
    try:
        request = CredentialsRequest.model_validate_json(body or b"null")
    except ValidationError as error:
        return _error(
            'Send {"learner": {"mbox": "mailto:…"}} (or learner_id, mbox_sha1sum, openid, account), '
            "optionally with company_id.",
            problems_from(error),
        )
    async with sessions() as session:
        credentials = await credentials_for(session, request.learner, request.company_id)
    return json.dumps(credentials, ensure_ascii=False).encode()


def _error(reason: str, problems: tuple[Problem, ...] = ()) -> bytes:
    return json.dumps(
        {"error": reason, "problems": [problem.model_dump() for problem in problems]}, ensure_ascii=False
    ).encode()


def credentials_endpoint(subject: str) -> Callable[[Service], Awaitable[None]]:
    """A background hook answering credential requests on `subject` until the service stops."""

    async def serve_credentials(service: Service) -> None:
        connection = service.broker.config.connection_state.connection
        assert isinstance(connection, Client)

        async def respond(msg: Msg) -> None:
            if not msg.reply:
                return
            try:
                reply = await answer(service.sessions, msg.data)
            except Exception:
                log.exception("credentials request failed")
                reply = _error("The credentials could not be read just now; try again.")
            with contextlib.suppress(Exception):
                await msg.respond(reply)

        subscription = await connection.subscribe(subject, queue=QUEUE, cb=respond)
        log.info("training: answering credential requests on %s", subject)
        try:
            await asyncio.Event().wait()
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    return serve_credentials
