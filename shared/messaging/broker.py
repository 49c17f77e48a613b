"""The FastStream NATS broker every service connects through."""

from __future__ import annotations

import logging

from faststream import AckPolicy
from faststream.nats import NatsBroker

from shared.settings import ServiceSettings


def make_broker(settings: ServiceSettings, *, name: str) -> NatsBroker:
    """A broker that reconnects forever, acks nothing on its own and stops within the graceful timeout.

    FastStream's NATS default is to `term` an event whose handler raised, which drops it for
    good; `AckPolicy.MANUAL` leaves every settlement to our consumers (`shared.messaging.consumer`),
    which ack after commit, nak with a growing delay, or dead-letter.
    """
    return NatsBroker(
        settings.nats_url.split(","),
        name=f"kakehashi-{name}",
        ack_policy=AckPolicy.MANUAL,
        graceful_timeout=settings.graceful_timeout,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        user_credentials=str(settings.nats_creds) if settings.nats_creds else None,
        # FastStream logs every message at INFO by default, which halves throughput.
        log_level=logging.DEBUG,
        logger=logging.getLogger(f"kakehashi.{name}.broker"),
    )
