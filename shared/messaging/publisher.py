"""Publishing to JetStream and waiting for the stream's acknowledgement, retrying what may pass."""

from __future__ import annotations

import asyncio

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import NoStreamResponseError, ServiceUnavailableError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential_jitter

from shared.messaging.envelope import OutgoingMessage

RETRYABLE: tuple[type[BaseException], ...] = (
    asyncio.TimeoutError,  # also nats.errors.TimeoutError: no PubAck in time
    nats.errors.NoRespondersError,  # the stream's leader is not there yet (restart, election)
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    ServiceUnavailableError,
    NoStreamResponseError,  # the stream's leader is being elected (a cluster node went down)
)
"""Failures after which the same message may be sent again; `Nats-Msg-Id` makes that safe."""


async def publish(
    js: JetStreamContext, event: OutgoingMessage, *, timeout: float = 5.0, give_up_after: float = 60.0
) -> PubAck:
    """Publish and return the stream's acknowledgement, retrying with backoff for up to `give_up_after` s."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(RETRYABLE),
        wait=wait_exponential_jitter(multiplier=0.1, max=5.0),
        stop=stop_after_delay(give_up_after),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await js.publish(event.subject, event.body, timeout=timeout, headers=event.headers)
    raise AssertionError("unreachable: tenacity re-raises the last error")
