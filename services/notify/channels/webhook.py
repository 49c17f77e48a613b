"""An agency's webhook: the notification as signed JSON, POSTed to the URL the agency registered."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import httpx

from services.notify.channels import SendFailure, http_failure
from services.notify.domain.signing import NOTIFICATION_ID, SIGNATURE, TIMESTAMP, sign
from services.notify.store.notifications import Claimed


class WebhookSender:
    """Signs each attempt afresh (the timestamp is the attempt's), over the same stored JSON body."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        secrets: Mapping[str, str],
        *,
        allow_http: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._secrets = secrets
        self._allow_http = allow_http
        self._clock = clock

    async def send(self, notification: Claimed) -> None:
        agency = notification.agency or ""
        secret = self._secrets.get(agency)
        if secret is None:
            raise SendFailure(
                f"no signing secret for agency {agency}: set it in KAKEHASHI_NOTIFY_WEBHOOK_SECRETS", permanent=True
            )
        if notification.address.startswith("http://") and not self._allow_http:
            raise SendFailure("the webhook URL is plain http; register an https URL", permanent=True)
        body = notification.body.encode()
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            NOTIFICATION_ID: notification.notification_id,
            TIMESTAMP: str(timestamp),
            SIGNATURE: sign(secret, timestamp, body),
            "User-Agent": "Kakehashi-Notify/1",
        }
        try:
            response = await self._client.post(notification.address, content=body, headers=headers)
        except httpx.TransportError as error:
            raise SendFailure(f"webhook unreachable: {error!r}", permanent=False) from None
        if not response.is_success:
            raise http_failure("the webhook", response.status_code, response.text)
