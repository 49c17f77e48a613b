"""E-mail over SMTP: one message per notification, its Message-ID derived from the notification id."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

import aiosmtplib

from services.notify.channels import SendFailure
from services.notify.store.notifications import Claimed

NOTIFICATION_HEADER = "Kakehashi-Notification-Id"


def message_id(notification_id: str, mail_from: str) -> str:
    """The same Message-ID on every attempt: mail systems and clients can recognise a repeat."""
    domain = email.utils.parseaddr(mail_from)[1].rpartition("@")[2] or "kakehashi.invalid"
    return f"<{notification_id}@{domain}>"


def compose(notification: Claimed, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = notification.subject
    message["From"] = mail_from
    message["To"] = notification.address
    message["Date"] = email.utils.formatdate(usegmt=True)
    message["Message-ID"] = message_id(notification.notification_id, mail_from)
    message[NOTIFICATION_HEADER] = notification.notification_id
    message.set_content(notification.body, charset="utf-8")
    message["Content-Language"] = notification.language  # after set_content, which resets Content-* headers
    return message


class EmailSender:
    """Sends through the configured SMTP server (`KAKEHASHI_NOTIFY_SMTP_*`)."""

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
    ) -> None:
        self._host, self._port, self._security = host, port, security
        self._username, self._password = username, password
        self._timeout = timeout
        self._mail_from = mail_from

    async def send(self, notification: Claimed) -> None:
        try:
            await aiosmtplib.send(
                compose(notification, self._mail_from),
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            reason = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
            raise SendFailure(
                _scrub(f"SMTP refused the recipient: {reason}", notification.address),
                permanent=all(code >= 500 for code in codes),
            ) from None
        except aiosmtplib.SMTPResponseException as error:
            raise SendFailure(
                _scrub(f"SMTP answered {error.code}: {error.message}", notification.address),
                permanent=error.code >= 500,
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:  # connection refused or lost, timeouts
            raise SendFailure(f"SMTP server unreachable: {error!r}", permanent=False) from None


def _scrub(text: str, address: str) -> str:
    """Failure reasons travel in events and the DLQ, which erasure cannot reach: no e-mail address in them."""
    return text.replace(address, "<recipient>")
