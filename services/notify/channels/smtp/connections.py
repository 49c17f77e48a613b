"""SMTP connections to one server, kept open between messages, at most a given number at once.

Opening one (TCP, greeting, EHLO, STARTTLS, login) costs more than the message it carries. A
connection is given up when the server closes it, after an error that leaves it out of step, after
`MESSAGES_PER_CONNECTION` messages, or when it has been idle for `IDLE_LIMIT` seconds. If a kept
connection turns out closed before a message's DATA began (the server dropped it, or answered 421,
while it sat idle), the message goes at once over a fresh connection: nothing of it reached the
server. A failure once DATA began is the caller's, as it was with a connection per message.
One message's conversation (MAIL, RCPT, DATA) has `timeout` seconds in all.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
import time
from collections.abc import Callable

import aiosmtplib

from services.notify.channels.smtp.message import Mail

log = logging.getLogger(__name__)

MESSAGES_PER_CONNECTION = 100
"""Then the connection is closed and another opened: many servers limit what one connection may carry."""
IDLE_LIMIT = 15.0
"""Seconds a connection may sit unused and still be used: well within servers' idle timeouts (RFC 5321
asks them to wait five minutes) and those of the firewalls and load balancers on the way."""
_CLOSING = 421
"""The server is closing the connection: the command was not carried out."""


@dataclasses.dataclass(slots=True)
class _Connection:
    smtp: aiosmtplib.SMTP
    carried: int = 0
    idle_since: float = 0.0


class _NotBegun(Exception):
    """A kept connection was found closed before the message's DATA began: the server has nothing of it."""


class Connections:
    """Hands messages over to the SMTP server, `size` at most at once, each over a connection of its own."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
        timeout: float,
        size: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._host, self._port, self._security = host, port, security
        self._username, self._password = username, password
        self._timeout = timeout
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Connection] = []
        """Open connections not in use, the most recently used last."""
        self._clock = clock
        self._local_hostname: str | None = None
        self._closed = False

    async def hand_over(self, mail: Mail) -> None:
        """One SMTP transaction; raises what `aiosmtplib` raises when the server does not take the message,
        or `TimeoutError`."""
        async with self._slots:
            kept = self._kept()
            if kept is not None:
                try:
                    await self._transact(kept, mail, fresh=False)
                    return
                except _NotBegun as error:
                    log.info("SMTP connection closed by the server (%r); sending over a new one", error.__cause__)
            await self._transact(await self._open(), mail, fresh=True)

    async def close(self) -> None:
        """Say goodbye (QUIT) on the idle connections; one still in use is closed when its message is through."""
        self._closed = True
        idle, self._idle = self._idle, []
        await asyncio.gather(*(_quit(connection) for connection in idle))

    def _kept(self) -> _Connection | None:
        """The most recently used open connection that may still be trusted; stale ones met on the way are closed."""
        now = self._clock()
        while self._idle:
            connection = self._idle.pop()
            if connection.smtp.is_connected and now - connection.idle_since < IDLE_LIMIT:
                return connection
            connection.smtp.close()
        return None

    async def _open(self) -> _Connection:
        if self._local_hostname is None:  # aiosmtplib would look it up (DNS) for every connection
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        smtp = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._security == "tls",
            start_tls=self._security == "starttls",
            timeout=self._timeout,
            local_hostname=self._local_hostname,
        )
        try:
            await smtp.connect()
            if smtp.is_ehlo_or_helo_needed:  # the extensions are needed before the first MAIL
                try:
                    await smtp.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await smtp.helo()
        except BaseException:
            smtp.close()
            raise
        return _Connection(smtp)

    async def _transact(self, connection: _Connection, mail: Mail, *, fresh: bool) -> None:
        """MAIL, RCPT and DATA (as `aiosmtplib.send` does), then keep the connection if it is in step.

        Raises `_NotBegun` when a kept (not `fresh`) connection is found closed before DATA began.
        """
        smtp = connection.smtp
        if mail.utf8 and not smtp.supports_extension("smtputf8"):
            self._keep(connection)
            raise aiosmtplib.SMTPNotSupported("a non-ASCII address, but the server does not support SMTPUTF8")
        options = [f"SIZE={len(mail.content)}"] if smtp.supports_extension("size") else []
        if mail.utf8:
            options += ["BODY=8BITMIME", "SMTPUTF8"] if smtp.supports_extension("8bitmime") else ["SMTPUTF8"]
        try:
            # One deadline for the conversation, rather than one per command (each costs a timer).
            async with asyncio.timeout(self._timeout):
                try:
                    await _envelope(smtp, mail, options)
                except aiosmtplib.SMTPServerDisconnected as error:
                    if fresh:
                        raise
                    raise _NotBegun() from error
                except aiosmtplib.SMTPResponseException as error:
                    if error.code != _CLOSING or fresh:
                        raise
                    raise _NotBegun() from error
                await smtp.data(mail.content, timeout=None)
        except aiosmtplib.SMTPResponseException as error:
            if error.code == _CLOSING:
                smtp.close()
            else:  # the server answered: the connection is in step once the envelope is reset
                await self._reset(connection)
            raise
        except BaseException:  # lost, timed out or cancelled mid-conversation: out of step
            smtp.close()
            raise
        connection.carried += 1
        if connection.carried >= MESSAGES_PER_CONNECTION:
            await _quit(connection)
        else:
            self._keep(connection)

    async def _reset(self, connection: _Connection) -> None:
        """Clear the refused message's envelope (RSET), so that the connection can carry the next."""
        try:
            await connection.smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            connection.smtp.close()
        else:
            self._keep(connection)

    def _keep(self, connection: _Connection) -> None:
        if self._closed:
            connection.smtp.close()
        elif connection.smtp.is_connected:
            connection.idle_since = self._clock()
            self._idle.append(connection)


async def _envelope(smtp: aiosmtplib.SMTP, mail: Mail, options: list[str]) -> None:
    """MAIL and RCPT, as `SMTP.mail` and `SMTP.rcpt` send them, without parsing the checked addresses again;
    the caller's deadline bounds them."""
    encoding = "utf-8" if mail.utf8 else "ascii"
    sender = f"FROM:<{mail.sender}>".encode(encoding)
    parameters = [option.encode("ascii") for option in options]
    response = await smtp.execute_command(b"MAIL", sender, *parameters, timeout=None)
    if response.code != aiosmtplib.SMTPStatus.completed:
        raise aiosmtplib.SMTPSenderRefused(response.code, response.message, mail.sender)
    response = await smtp.execute_command(b"RCPT", f"TO:<{mail.recipient}>".encode(encoding), timeout=None)
    if response.code not in (aiosmtplib.SMTPStatus.completed, aiosmtplib.SMTPStatus.will_forward):
        raise aiosmtplib.SMTPRecipientRefused(response.code, response.message, mail.recipient)


async def _quit(connection: _Connection) -> None:
    with contextlib.suppress(aiosmtplib.SMTPException, OSError):
        await connection.smtp.quit(timeout=5.0)
    connection.smtp.close()
