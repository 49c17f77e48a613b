"""Real servers for the notify tests: an SMTP server (aiosmtpd), a webhook receiver and a LINE push endpoint.

Each runs in a thread of its own on a free local port, records what it accepted, and can be told to
refuse or fail on demand. The webhook receiver verifies signatures the way an agency would (its own
HMAC code, not the service's); the LINE endpoint implements the push contract: bearer token, a UUID
`X-Line-Retry-Key`, 409 for a key it already accepted, 5xx when asked.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from shared.runtime.natsd import free_port


@dataclass
class Mail:
    """One message the SMTP server accepted, parsed."""

    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        content = body.get_content()
        assert isinstance(content, str)
        return content

    @property
    def notification_id(self) -> str:
        return str(self.message["Kakehashi-Notification-Id"])


@dataclass
class SmtpSink:
    """The SMTP server's handler: accepts (recording), or refuses addresses (550), or fails for a while (451)."""

    refused: set[str] = field(default_factory=set)
    fail_next: int = 0
    mails: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    delay: float = 0.0
    """Seconds to take over each message's DATA: a slow server, to stop the service mid-send."""
    receiving: threading.Event = field(default_factory=threading.Event)
    """Set when a message's DATA begins."""
    hold_first: bool = False
    """When set, the first message's DATA is not answered until `let_go` is set: one send that hangs."""
    let_go: threading.Event = field(default_factory=threading.Event)
    connections: int = 0
    """Connections the server accepted."""
    close_after: int = 0
    """When set, the server closes each connection at the MAIL of the message after this many."""
    closing: Literal["drop", "421"] = "drop"
    """How: dropping the connection without an answer, or answering 421 (closing) as it goes."""
    carried: weakref.WeakKeyDictionary[Session, int] = field(default_factory=weakref.WeakKeyDictionary)
    """Messages accepted on each open connection (a session is a connection)."""

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.close_after and self.carried.get(session, 0) >= self.close_after:
            if self.closing == "421":
                return "421 4.7.0 too many messages on this connection, closing"
            assert server.transport is not None
            server.transport.close()
            return "250 OK"  # never reaches the client: the connection is gone
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 <" + address + ">: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        first = not self.receiving.is_set()
        self.receiving.set()
        if first and self.hold_first:
            while not self.let_go.is_set():
                await asyncio.sleep(0.01)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return "451 4.3.0 try again later"
            content = envelope.original_content or b""
            message = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.mails.append(Mail(list(envelope.rcpt_tos), message))
            self.carried[session] = self.carried.get(session, 0) + 1
        return "250 OK: queued"

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [mail for mail in self.mails if address in mail.recipients]

    def count(self) -> int:
        with self.lock:
            return len(self.mails)


class _CountingController(Controller):
    """Counts the connections it serves (its factory makes one SMTP protocol per connection)."""

    def factory(self) -> SMTP:
        sink = self.handler
        assert isinstance(sink, SmtpSink)
        with sink.lock:
            sink.connections += 1
        return SMTP(self.handler, **self.SMTP_kwargs)  # what `Controller.factory` does


@contextmanager
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = _CountingController(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    sink.connections = 0  # not the controller's own check that the server answers
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class Delivery:
    """One webhook POST as received, with the verdict of the receiver's own signature check."""

    notification_id: str
    document: dict[str, Any]
    signature_valid: bool
    timestamp: int


@dataclass
class WebhookReceiver:
    """An agency's endpoint: verifies HMAC-SHA256 over `<timestamp>.<body>` and answers as told."""

    secret: str
    answers: list[int] = field(default_factory=list)
    """Status codes to answer, one per request, before answering 200."""
    received: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/kakehashi"

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        timestamp = headers.get("kakehashi-timestamp", "0")
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = abs(time.time() - int(timestamp)) <= 300
        valid = fresh and hmac.compare_digest(f"v1={expected}", headers.get("kakehashi-signature", ""))
        with self.lock:
            status = self.answers.pop(0) if self.answers else 200
            if status == 200:
                self.received.append(
                    Delivery(headers.get("kakehashi-notification-id", ""), json.loads(body), valid, int(timestamp))
                )
        return status

    def deliveries(self) -> list[Delivery]:
        with self.lock:
            return list(self.received)


@dataclass
class LineApi:
    """LINE's push endpoint, as far as the contract goes: `POST /v2/bot/message/push`.

    Answers 401 without the right bearer token, 400 without a UUID retry key or for an unknown user,
    409 for a retry key it accepted before (with `x-line-accepted-request-id`), and 500 when told
    to (`fail_next`), optionally after accepting the push (`lose_answers`: the push went out but
    the answer was lost, the case the retry key exists for).
    """

    token: str
    users: set[str] = field(default_factory=set)
    fail_next: int = 0
    lose_answers: int = 0
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Accepted pushes by retry key: what reached the users."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    """(retry key, answer status) of every request."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        key = headers.get("x-line-retry-key", "")
        with self.lock:
            status, answer, extra = self._answer(headers, key, body)
            self.requests.append((key, str(status)))
        return status, answer, extra

    def _answer(self, headers: dict[str, str], key: str, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"message": "Authentication failed"}, {}
        try:
            uuid.UUID(key)
        except ValueError:
            return 400, {"message": "The value for the 'X-Line-Retry-Key' header is invalid"}, {}
        if key in self.accepted:
            return 409, {"message": "The retry key is already accepted"}, {"x-line-accepted-request-id": key}
        if self.fail_next > 0:
            self.fail_next -= 1
            return 500, {"message": "Internal server error"}, {}
        push = json.loads(body)
        if push.get("to") not in self.users:
            return 400, {"message": "Failed to send messages"}, {}
        self.accepted[key] = push
        if self.lose_answers > 0:
            self.lose_answers -= 1
            return 500, {"message": "Internal server error"}, {}
        return 200, {"sentMessages": [{"id": str(len(self.accepted))}]}, {"x-line-request-id": key}

    def pushes_to(self, user: str) -> list[dict[str, Any]]:
        with self.lock:
            return [push for push in self.accepted.values() if push["to"] == user]


def _http_server(route: str, respond: Any) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            if self.path != route:
                status, answer, extra = 404, {"message": "Not found"}, {}
            else:
                status, answer, extra = respond(headers, body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@contextmanager
def webhook_server(secret: str) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret)

    def respond(headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        return receiver.handle(headers, body), {}, {}

    server, thread = _http_server("/hooks/kakehashi", respond)
    receiver.port = server.server_address[1]
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def line_server(token: str) -> Iterator[LineApi]:
    api = LineApi(token)
    server, thread = _http_server("/v2/bot/message/push", api.handle)
    api.port = server.server_address[1]
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
