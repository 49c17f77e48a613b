"""Process-wide logging and tracing of a service: text or JSON logs with the event in hand, OpenTelemetry spans."""

from __future__ import annotations

import logging
import os
import sys
from typing import IO

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from pythonjsonlogger.json import JsonFormatter

from shared.messaging.observe import EventContextFilter
from shared.settings import ServiceSettings

_TEXT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(settings: ServiceSettings, service: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(EventContextFilter())
    if settings.log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(event_id)s %(event_type)s %(consumer)s %(trace_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                static_fields={"service": service},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_TEXT))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    logging.getLogger("alembic").setLevel(logging.WARNING)


_trace_output: IO[str] | None = None


def configure_tracing(settings: ServiceSettings, service: str) -> TracerProvider | None:
    """Spans to a JSON-lines file and/or OTLP when configured; otherwise tracing stays a no-op."""
    global _trace_output
    if settings.trace_file is None and not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": f"kakehashi-{service}"}))
    if settings.trace_file is not None:
        settings.trace_file.parent.mkdir(parents=True, exist_ok=True)
        _trace_output = settings.trace_file.open("a", encoding="utf-8", buffering=1)
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter(out=_trace_output, formatter=_one_line)))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def _one_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None)) + "\n"
