"""LINE Messaging API push, made safe to retry by `X-Line-Retry-Key` (a repeated key answers 409)."""

from __future__ import annotations

import httpx

from services.notify.channels import SendFailure, http_failure
from services.notify.domain.routing import line_retry_key
from services.notify.store.notifications import Claimed

MAX_TEXT = 5000
"""LINE's limit for one text message."""


def push_body(notification: Claimed) -> dict[str, object]:
    text = f"{notification.subject}\n\n{notification.body}"
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return {"to": notification.address, "messages": [{"type": "text", "text": text}]}


class LineSender:
    """POST {base}/v2/bot/message/push with the channel token and the notification's retry key."""

    def __init__(self, client: httpx.AsyncClient, *, base_url: str, token: str) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/v2/bot/message/push"
        self._token = token

    async def send(self, notification: Claimed) -> None:
        headers = {
            "Authorization": f"Bearer {self._token}",
            "X-Line-Retry-Key": line_retry_key(notification.notification_id),
        }
        try:
            response = await self._client.post(self._url, json=push_body(notification), headers=headers)
        except httpx.TransportError as error:
            raise SendFailure(f"LINE unreachable: {error!r}", permanent=False) from None
        if response.status_code == 409:
            return  # LINE already accepted a request with this retry key: this notification went out
        if not response.is_success:
            failure = http_failure("LINE", response.status_code, _line_message(response))
            # Reasons travel in events and the DLQ, which erasure cannot reach: no LINE user id in them.
            raise SendFailure(failure.reason.replace(notification.address, "<recipient>"), permanent=failure.permanent)


def _line_message(response: httpx.Response) -> str:
    try:
        answer = response.json()
    except ValueError:
        return response.text
    return str(answer.get("message", response.text)) if isinstance(answer, dict) else response.text
