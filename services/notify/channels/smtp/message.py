"""A notification as an e-mail, written straight to the bytes an SMTP server receives.

`text/plain; charset="utf-8"` with `Content-Language`, the subject in RFC 2047 encoded words when it is
not plain ASCII, the body in 7bit when it is ASCII in short lines and in base64 otherwise, so that the
message is 7-bit clean and any relay carries it. Python's `email` package wrote the same message in
about a millisecond, the dispatcher's largest cost; it is still used where its care pays, once per
sender for the From header and for any address that is not a plain one.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email.policy
import email.utils
import re
from email.headerregistry import AddressHeader

from aiosmtplib.email import parse_address

from services.notify.store.notifications import Claimed

NOTIFICATION_HEADER = "Kakehashi-Notification-Id"
LINE_LIMIT = 78
"""Characters a header or body line should not pass (RFC 5322 2.1.1)."""
_ENCODED_WORD_OVERHEAD = len("=?utf-8?b??=")
_ENCODED_WORD_LIMIT = 75
"""Characters one encoded word may have (RFC 2047 2)."""
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")
"""An address written as is in a header: ASCII, nothing to quote or encode."""
_PLAIN_TEXT = re.compile(r"[\x20-\x7e]*")
_BASE64_LINE = 76
"""Characters of a base64 line (RFC 2045 6.8)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Mail:
    """One message, ready for an SMTP transaction."""

    sender: str
    recipient: str
    """Addresses checked to go on an SMTP command line as they are (in `<…>`)."""
    content: bytes
    utf8: bool
    """An address is not ASCII: the transaction needs the server's SMTPUTF8, and headers carry UTF-8 (RFC 6532)."""


def message_id(notification_id: str, mail_from: str) -> str:
    """The same Message-ID on every attempt: mail systems and clients can recognise a repeat."""
    return f"<{notification_id}@{_domain(mail_from)}>"


def _domain(mail_from: str) -> str:
    return email.utils.parseaddr(mail_from)[1].rpartition("@")[2] or "kakehashi.invalid"


class MessageWriter:
    """Writes the e-mails of one sender (`KAKEHASHI_NOTIFY_MAIL_FROM`)."""

    def __init__(self, mail_from: str) -> None:
        self._sender = parse_address(mail_from)
        self._domain = _domain(mail_from)
        self._from = {utf8: _fold("From", mail_from, utf8=utf8) for utf8 in (False, True)}

    def write(self, notification: Claimed) -> Mail:
        """The notification's e-mail; raises `ValueError` for an address that cannot be sent to."""
        address = notification.address
        if _PLAIN_ADDRESS.fullmatch(address):
            recipient, to = address, f"To: {address}\r\n".encode()
            utf8 = not self._sender.isascii()
        else:
            recipient = parse_address(_addr_spec(address))  # refuses what would smuggle commands onto SMTP lines
            utf8 = not (self._sender + recipient).isascii()
            to = _fold("To", address, utf8=utf8)
        encoding, body = _body(notification.body)
        head = (
            f"Date: {email.utils.formatdate(usegmt=True)}\r\n"
            f"Message-ID: <{notification.notification_id}@{self._domain}>\r\n"  # as `message_id` writes it
            f"{NOTIFICATION_HEADER}: {notification.notification_id}\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n"
            "MIME-Version: 1.0\r\n"
            f"Content-Language: {notification.language}\r\n"
            "\r\n"
        )
        content = b"".join((_subject(notification.subject), self._from[utf8], to, head.encode(), body))
        return Mail(self._sender, recipient, content, utf8)


def _subject(subject: str) -> bytes:
    if _PLAIN_TEXT.fullmatch(subject) and "=?" not in subject and len("Subject: ") + len(subject) <= LINE_LIMIT:
        return f"Subject: {subject}\r\n".encode()
    return ("Subject: " + "\r\n ".join(_encoded_words(subject, first=len("Subject: "))) + "\r\n").encode()


def _encoded_words(text: str, *, first: int) -> list[str]:
    """`text` as base64 encoded words on lines within `LINE_LIMIT`, never splitting a character.

    Decoders join adjacent encoded words without the folding whitespace between them (RFC 2047 6.2).
    """
    data, words, start, taken = text.encode(), [], 0, first
    while start < len(data):
        room = min(LINE_LIMIT - taken, _ENCODED_WORD_LIMIT) - _ENCODED_WORD_OVERHEAD
        end = min(start + room // 4 * 3, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: not there
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode()}?=")
        start, taken = end, 1
    return words


def _body(text: str) -> tuple[str, bytes]:
    data = text.encode()
    lines = data.splitlines()
    if data.isascii() and b"\0" not in data and all(len(line) <= LINE_LIMIT for line in lines):
        return "7bit", b"\r\n".join(lines) + b"\r\n"
    encoded, width = binascii.b2a_base64(data, newline=False), _BASE64_LINE
    return "base64", b"".join(encoded[start : start + width] + b"\r\n" for start in range(0, len(encoded), width))


def _fold(name: str, value: str, *, utf8: bool) -> bytes:
    """A header as the `email` package writes it, for what needs its care (display names, unusual addresses)."""
    policy = email.policy.SMTPUTF8 if utf8 else email.policy.SMTP
    return policy.fold_binary(name, policy.header_store_parse(name, value)[1])


def _addr_spec(address: str) -> str:
    """The address part of what the recipient registered (as `aiosmtplib` took it from the To header)."""
    header = email.policy.SMTP.header_factory("To", address)
    addresses = header.addresses if isinstance(header, AddressHeader) else ()
    if not addresses:
        raise ValueError("the notification's address is not an e-mail address")
    return str(addresses[0].addr_spec)
