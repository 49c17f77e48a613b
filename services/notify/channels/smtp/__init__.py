"""E-mail over SMTP: one message per notification, its Message-ID derived from the notification id,
handed over on connections kept open between messages."""

from __future__ import annotations

import aiosmtplib

from services.notify.channels import SendFailure
from services.notify.channels.smtp.connections import Connections
from services.notify.channels.smtp.message import NOTIFICATION_HEADER, MessageWriter, message_id
from services.notify.store.notifications import Claimed

__all__ = ["NOTIFICATION_HEADER", "EmailSender", "message_id"]


class EmailSender:
    """Sends through the configured SMTP server (`KAKEHASHI_NOTIFY_SMTP_*`), `connections` messages at most at once."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
        timeout: float,
        mail_from: str,
        connections: int = 1,
    ) -> None:
        self._writer = MessageWriter(mail_from)
        self._connections = Connections(
            host=host,
            port=port,
            security=security,
            username=username,
            password=password,
            timeout=timeout,
            size=connections,
        )

    async def send(self, notification: Claimed) -> None:
        mail = self._writer.write(notification)
        try:
            await self._connections.hand_over(mail)
        except aiosmtplib.SMTPRecipientRefused as error:
            raise SendFailure(
                _scrub(f"SMTP refused the recipient: {error.code} {error.message}", notification.address),
                permanent=error.code >= 500,
            ) from None
        except aiosmtplib.SMTPResponseException as error:
            raise SendFailure(
                _scrub(f"SMTP answered {error.code}: {error.message}", notification.address),
                permanent=error.code >= 500,
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:  # connection refused or lost, timeouts
            raise SendFailure(f"SMTP server unreachable: {error!r}", permanent=False) from None

    async def close(self) -> None:
        """The dispatcher is stopping: close the connections."""
        await self._connections.close()


def _scrub(text: str, address: str) -> str:
    """Failure reasons travel in events and the DLQ, which erasure cannot reach: no e-mail address in them."""
    return text.replace(address, "<recipient>")
