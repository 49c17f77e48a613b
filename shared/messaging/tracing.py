"""W3C trace context (`traceparent`) carried from each event to the events it causes."""

from __future__ import annotations

import re
import secrets

_TRACEPARENT = re.compile(r"^00-(?P<trace>[0-9a-f]{32})-(?P<span>[0-9a-f]{16})-(?P<flags>[0-9a-f]{2})$")
_INVALID_TRACE = "0" * 32


def child_traceparent(parent: str | None) -> str:
    """A traceparent for an event caused by `parent`: the same trace, a new span.

    A missing or malformed parent starts a new trace, as the W3C spec asks of a receiver.
    """
    match = _TRACEPARENT.match(parent or "")
    if match and match["trace"] != _INVALID_TRACE:
        return f"00-{match['trace']}-{secrets.token_hex(8)}-{match['flags']}"
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def trace_id(traceparent: str | None) -> str | None:
    match = _TRACEPARENT.match(traceparent or "")
    return match["trace"] if match else None
