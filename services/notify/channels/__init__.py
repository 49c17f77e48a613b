"""The channels a notification leaves by: e-mail (SMTP), an agency's webhook, LINE push. Each send either
returns (accepted) or raises `SendFailure`, saying whether trying again may help."""

from __future__ import annotations

from typing import Protocol

from services.notify.store.notifications import Claimed


class SendFailure(Exception):
    """A send that did not go through; `permanent` when trying again cannot help (a refused address)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Sender(Protocol):
    async def send(self, notification: Claimed) -> None:
        """Deliver, or raise `SendFailure`."""


def http_failure(service: str, status: int, detail: str) -> SendFailure:
    """An HTTP answer other than success: overload and server errors pass, other refusals do not."""
    transient = status in (408, 425, 429) or status >= 500
    return SendFailure(f"{service} answered {status}: {detail[:300]}".rstrip(": "), permanent=not transient)
