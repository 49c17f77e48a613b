"""A local SMTP server that keeps what it receives: the mail of `kakehashi up` and of the system tests."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from shared.runtime.natsd import free_port


@dataclass(frozen=True, slots=True)
class Mail:
    """One message as the sink accepted it."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")

    @property
    def language(self) -> str:
        return str(self.message["Content-Language"] or "")

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


class MailSink:
    """Accepts every message on 127.0.0.1:<port>; keeps it in memory and, if given a folder, as .eml files."""

    def __init__(self, *, folder: Path | None = None, port: int = 0, on_mail: Callable[[Mail], None] | None = None):
        self.folder = folder
        self.port = port or free_port()
        self._on_mail = on_mail
        self._lock = threading.Lock()
        self.received: list[Mail] = []
        self._kept_before = 0  # .eml files an earlier run left in the folder: numbering goes on after them
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._kept_before = len(list(self.folder.glob("*.eml")))
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def mails(self) -> list[Mail]:
        with self._lock:
            return list(self.received)

    def _keep(self, sender: str, recipients: list[str], content: bytes) -> None:
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        mail = Mail(sender, tuple(recipients), message)
        with self._lock:
            self.received.append(mail)
            number = self._kept_before + len(self.received)
        if self.folder is not None:
            (self.folder / f"{number:05d}.eml").write_bytes(content)
        if self._on_mail is not None:
            self._on_mail(mail)


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self._sink = sink

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self._sink._keep(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"
