"""The webhook signature: HMAC-SHA256 over `<timestamp>.<body>`, so a receiver can check origin and freshness.

A receiver recomputes `hex(hmac_sha256(secret, f"{timestamp}.".encode() + raw_body))`, compares it with
the `v1=` value of `Kakehashi-Signature` in constant time, refuses a `Kakehashi-Timestamp` more than
`tolerance` seconds away from its clock (a replayed request), and keeps the `Kakehashi-Notification-Id`
values it has seen, since a retried delivery carries the same id.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE = "Kakehashi-Signature"
TIMESTAMP = "Kakehashi-Timestamp"
NOTIFICATION_ID = "Kakehashi-Notification-Id"
TOLERANCE = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Kakehashi-Signature` header value."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: str, signature: str, body: bytes, *, now: float, tolerance: int = TOLERANCE) -> bool:
    """What a receiver does: a fresh timestamp and a matching signature (any `v1=` value, comma-separated)."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    if abs(now - moment) > tolerance:
        return False
    expected = sign(secret, moment, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(","))
