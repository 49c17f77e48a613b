"""What the messaging core tells operators: Prometheus metrics, the event in hand for logs, trace spans."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import Counter, Gauge, Histogram

from shared.messaging.tracing import trace_id

EVENTS = Counter(
    "kakehashi_events",
    "Events settled by a consumer, by outcome: processed, duplicate, retried, dead_lettered, skipped.",
    ["service", "consumer", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "kakehashi_handler_seconds",
    "Time a handler took for one event (inside the batch transaction); a run handler's time is shared "
    "equally among the events of the run.",
    ["service", "consumer", "type"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
BATCH_SECONDS = Histogram(
    "kakehashi_batch_seconds",
    "Time from fetching a batch to settling all its events.",
    ["service", "consumer"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
OUTBOX_PENDING = Gauge(
    "kakehashi_outbox_pending", "Events in the outbox not yet acknowledged by JetStream.", ["service"]
)
OUTBOX_PUBLISHED = Counter("kakehashi_outbox_published", "Events the relay published.", ["service"])

_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("kakehashi.messaging")


@dataclass(frozen=True, slots=True)
class InHand:
    """The event being handled, for log lines."""

    event_id: str
    event_type: str
    consumer: str
    trace_id: str | None


IN_HAND: contextvars.ContextVar[InHand | None] = contextvars.ContextVar("kakehashi_event_in_hand", default=None)


class EventContextFilter(logging.Filter):
    """Adds `event_id`, `event_type`, `consumer` and `trace_id` to every record logged while handling an event."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = IN_HAND.get()
        record.event_id = current.event_id if current else None
        record.event_type = current.event_type if current else None
        record.consumer = current.consumer if current else None
        record.trace_id = current.trace_id if current else None
        return True


def _span_options(event_id: str, subject: str, consumer: str, traceparent: str | None) -> dict[str, Any]:
    """How the span of handling one event starts: a consumer span, child of the trace it arrived with."""
    return {
        "context": _propagator.extract({"traceparent": traceparent} if traceparent else {}),
        "kind": SpanKind.CONSUMER,
        "attributes": {
            "messaging.system": "nats",
            "messaging.destination.name": subject,
            "messaging.message.id": event_id,
            "messaging.consumer.group.name": consumer,
        },
    }


def _in_hand(span: Span, event_id: str, event_type: str, consumer: str, traceparent: str | None) -> InHand:
    """The event for log lines, with the span's trace (or, tracing off, the trace it arrived with)."""
    context = span.get_span_context()
    trace = f"{context.trace_id:032x}" if context.is_valid else trace_id(traceparent)
    return InHand(event_id, event_type, consumer, trace)


@contextlib.contextmanager
def handling(*, event_id: str, event_type: str, subject: str, consumer: str, traceparent: str | None) -> Iterator[None]:
    """A span for handling one event, child of the trace it arrived with, and the event in hand for logs."""
    options = _span_options(event_id, subject, consumer, traceparent)
    with _tracer.start_as_current_span(f"handle {event_type}", **options) as span:
        token = IN_HAND.set(_in_hand(span, event_id, event_type, consumer, traceparent))
        try:
            yield
        finally:
            IN_HAND.reset(token)


@contextlib.contextmanager
def handling_run(events: Sequence[tuple[str, str, str | None]], *, event_type: str, consumer: str) -> Iterator[None]:
    """Handling several events (id, subject, traceparent) together: a span for each, as long as the run;
    in hand for logs, the first. No span is current meanwhile, so what the run emits continues each
    event's own trace (`Transaction.emit`)."""
    spans = [
        _tracer.start_span(f"handle {event_type}", **_span_options(event_id, subject, consumer, traceparent))
        for event_id, subject, traceparent in events
    ]
    for span in spans:
        span.set_attribute("messaging.batch.message_count", len(events))
    token = IN_HAND.set(_in_hand(spans[0], events[0][0], event_type, consumer, events[0][2]))
    try:
        yield
    except Exception as error:
        for span in spans:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, repr(error)))
        raise
    finally:
        IN_HAND.reset(token)
        for span in spans:
            span.end()


def current_traceparent() -> str | None:
    """The traceparent of the span in hand, when tracing is on; emitted events carry it."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")
