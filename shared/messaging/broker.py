"""The FastStream NATS broker every service connects through."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from faststream import AckPolicy
from faststream.nats import NatsBroker
from faststream.nats.security import NatsCredentials, NatsSecurity

from shared.settings import ServiceSettings


def inbox_prefix(user: str) -> str:
    """The reply-inbox prefix of a NATS user: the only inbox its permissions let it subscribe to."""
    return f"_INBOX_{user}"


def tls_context(ca_file: Path | None) -> ssl.SSLContext | None:
    """Verify the servers against `ca_file`; None keeps plain connections (or the system CAs for tls:// URLs)."""
    return ssl.create_default_context(cafile=str(ca_file)) if ca_file else None


def _security(settings: ServiceSettings) -> NatsSecurity | None:
    ssl_context = tls_context(settings.nats_tls_ca)
    if settings.nats_creds is not None:
        return NatsCredentials(credentials=str(settings.nats_creds), ssl_context=ssl_context)
    return NatsSecurity(ssl_context=ssl_context) if ssl_context else None


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
        security=_security(settings),
        # Each service reads replies on its own inbox prefix, the only one its NATS user may
        # subscribe to (shared/runtime/nats_auth.py).
        inbox_prefix=inbox_prefix(name),
        # FastStream logs every message at INFO by default, which halves throughput.
        log_level=logging.DEBUG,
        logger=logging.getLogger(f"kakehashi.{name}.broker"),
    )
