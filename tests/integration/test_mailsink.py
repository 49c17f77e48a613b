"""The SMTP sink of `kakehashi up`: what it keeps on disk survives a restart on the same folder."""

from __future__ import annotations

import email
import email.policy
import smtplib
from email.message import EmailMessage
from pathlib import Path

from shared.runtime.mailsink import MailSink


def _send(port: int, message_id: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Message-ID"] = "kakehashi@example.org", "a@example.org", message_id
    message["Subject"] = "hello"
    message.set_content("body")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def _kept(folder: Path) -> list[str]:
    return [
        str(email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["Message-ID"])
        for path in sorted(folder.glob("*.eml"))
    ]


def test_a_second_run_on_the_same_folder_keeps_the_first_runs_mails(tmp_path: Path) -> None:
    for run, ids in enumerate((["<1@x>", "<2@x>"], ["<3@x>"])):
        sink = MailSink(folder=tmp_path)
        sink.start()
        try:
            for message_id in ids:
                _send(sink.port, message_id)
        finally:
            sink.stop()
        assert [str(mail.message["Message-ID"]) for mail in sink.mails()] == ids, f"run {run}"
    assert _kept(tmp_path) == ["<1@x>", "<2@x>", "<3@x>"]
