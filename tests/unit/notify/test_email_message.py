"""The e-mail of a notification, written straight to bytes, read back by Python's own mail parser."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from email.message import EmailMessage

import pytest

from services.notify.channels.smtp.message import Mail, MessageWriter, message_id
from services.notify.store.notifications import Claimed

MAIL_FROM = "Kakehashi <noreply@kakehashi.example>"
THAI_SUBJECT = "ข้อเสนอจับคู่ธุรกิจสำหรับท่าน: Mie Refrigeration Machinery Co., Ltd. (Yokkaichi)"
THAI_BODY = (
    "เรียน คุณSomchai P.\n\nโครงการมีข้อเสนอจับคู่ธุรกิจให้ท่าน: บริษัท Mie Refrigeration Machinery (Yokkaichi, ญี่ปุ่น)\n"
    "- อีกฝ่ายเสนอ cold chain ซึ่งท่านกำลังมองหา\n.บรรทัดที่ขึ้นต้นด้วยจุด\n" * 5
)
JAPANESE_SUBJECT = "ビジネスパートナーのご提案：Siam Coastal Foods Co., Ltd.（チョンブリ）" * 2


def claimed(**changes: object) -> Claimed:
    notification = Claimed(
        id=1,
        notification_id="n-1b0c9d6e5f4a43218b7c6d5e4f3a2b1c",
        kind="match_proposed",
        category="match_proposed",
        channel="email",
        company_id="th-0105551234567",
        agency=None,
        source_event_id="0b9e7f3c-2d1f-4f59-9a55-8f1d2a6c1e42",
        source_event_type="collab.matching.match.proposed.v1",
        language="th",
        address="somchai@siamcoastal.example",
        subject=THAI_SUBJECT,
        body=THAI_BODY,
        attempts=0,
    )
    return dataclasses.replace(notification, **changes)  # type: ignore[arg-type]


def read(mail: Mail) -> EmailMessage:
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text(message: EmailMessage) -> str:
    content = message.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("th", THAI_SUBJECT, THAI_BODY),
        ("ja", JAPANESE_SUBJECT, "田中 一郎 様\n\n" + "三重冷凍機械株式会社からのご提案です。" * 20 + "\n"),
        ("en", "A match proposal for you: Siam Coastal Foods", "Dear Somchai P.,\n\n.A line with a dot.\nRegards\n"),
        ("en", "A subject longer than a line, which mail programs fold: " * 3, "x" * 200 + "\n"),
        ("en", "Literally =?utf-8?q?not_an_encoded_word?=", "Hello\n"),
    ],
)
def test_the_e_mail_reads_back_as_the_notification_in_seven_bit_lines_a_relay_carries(
    language: str, subject: str, body: str
) -> None:
    notification = claimed(language=language, subject=subject, body=body)
    mail = MessageWriter(MAIL_FROM).write(notification)
    message = read(mail)
    assert (mail.sender, mail.recipient, mail.utf8) == ("noreply@kakehashi.example", notification.address, False)
    assert message["Subject"] == subject
    assert message["From"] == MAIL_FROM
    assert message["To"] == notification.address
    assert message["Message-ID"] == message_id(notification.notification_id, MAIL_FROM)
    assert message["Kakehashi-Notification-Id"] == notification.notification_id
    assert message["Content-Language"] == language
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert text(message) == body
    assert message.defects == []
    assert all(not message[name].defects for name in message)
    assert mail.content.isascii()
    assert all(len(line) <= 78 for line in mail.content.split(b"\r\n"))
    assert b"\n" not in mail.content.replace(b"\r\n", b"")


def test_every_attempt_carries_the_same_message_id() -> None:
    writer = MessageWriter(MAIL_FROM)
    first, second = writer.write(claimed(attempts=0)), writer.write(claimed(attempts=3))
    expected = "<n-1b0c9d6e5f4a43218b7c6d5e4f3a2b1c@kakehashi.example>"
    assert read(first)["Message-ID"] == read(second)["Message-ID"] == expected


def test_a_sender_named_in_japanese_is_encoded_for_any_relay() -> None:
    mail = MessageWriter("かけはし 通知 <noreply@kakehashi.example>").write(claimed())
    assert read(mail)["From"] == "かけはし 通知 <noreply@kakehashi.example>"
    assert mail.content.isascii()


def test_an_internationalised_address_needs_smtputf8_and_goes_as_utf_8() -> None:
    mail = MessageWriter(MAIL_FROM).write(claimed(address="สมชาย@ไทย.example"))
    assert mail.utf8
    assert mail.recipient == "สมชาย@ไทย.example"
    assert "To: สมชาย@ไทย.example\r\n".encode() in mail.content


def test_an_address_that_would_smuggle_a_command_onto_the_smtp_line_is_refused() -> None:
    with pytest.raises(ValueError, match="linefeed"):
        MessageWriter(MAIL_FROM).write(claimed(address="victim@example.com>\r\nRCPT TO:<spam@example.com"))
