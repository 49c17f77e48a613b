"""The README's first command: `kakehashi up` runs everything with a demo, stops on Ctrl-C, and resumes."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.support.cli import KAKEHASHI, ROOT

SERVICES = ("matching", "events", "training", "notify")
STORY = "▣ meeting   Chanthaburi Shrimp Co., Ltd. ↔ Ise Bay Seafood Co., Ltd."


class Up:
    """`kakehashi up` as a process, with its output collected line by line."""

    def __init__(self, data_dir: Path) -> None:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("KAKEHASHI_")}
        # Wide lines, and the events timer a little quicker than its default, for a shorter test.
        environment.update({"COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb", "KAKEHASHI_EVENTS_TIMER_INTERVAL": "2"})
        self.process = subprocess.Popen(
            [str(KAKEHASHI), "up", "--data-dir", str(data_dir), "--nats-port", "0"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []

    def wait_for(self, text: str, timeout: float = 120) -> str:
        """The first line printed so far or from now on that holds `text`: what flows is printed as it
        happens, before or after the demo says it sent its load, so earlier lines count too."""
        assert self.process.stdout is not None
        for line in self.lines:
            if text in line:
                return line
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not printed; output:\n{''.join(self.lines)}")

    def __enter__(self) -> Up:
        return self

    def __exit__(self, *_: object) -> None:
        """A failed assertion must not leave the system running: stop it as Ctrl-C would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=90)
        return self.process.returncode, "".join(self.lines) + rest


def _mails(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def _settled(metrics_urls: list[str]) -> None:
    """Wait until no service has counted an event for five seconds: everything sent is settled."""
    last: list[float] = []
    steady = 0
    deadline = time.monotonic() + 60
    while steady < 5 and time.monotonic() < deadline:
        totals = []
        for url in metrics_urls:
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
            found = re.findall(r"^kakehashi_events_total\{.*\} (\S+)$", text, re.MULTILINE)
            totals.append(sum(float(value) for value in found))
        steady = steady + 1 if totals == last else 0
        last = totals
        time.sleep(1)
    assert steady >= 5, "the services kept counting events"


def test_up_runs_the_demo_stops_gracefully_and_resumes_without_repeating_anything(tmp_path: Path) -> None:
    with Up(tmp_path) as first:
        first.wait_for("Kakehashi is up.")
        first.wait_for("Demo load sent")
        # The programme's loop, end to end: training gives the shrimp packer HACCP, matching proposes it to the
        # importer that required it, both accept, and events seats them together with an interpreter.
        first.wait_for("◆ skill     Chanthaburi Shrimp Co., Ltd.: Food safety (HACCP)")
        first.wait_for("✓ confirmed Chanthaburi Shrimp Co., Ltd. ↔ Ise Bay Seafood Co., Ltd. (contacts shared)")
        meeting = first.wait_for(STORY)
        assert meeting.rstrip().endswith("interpreter"), "they share no language"
        first.wait_for("✉ mail to y.suzuki@isebay.example.jp [ja]")
        code, output = first.interrupt()
        assert code == 0, output
        assert output.rstrip().endswith("Stopped.")
        for service in SERVICES:
            assert (tmp_path / f"{service}.db").exists()
        mails = _mails(tmp_path / "mail")
        assert {str(mail["Content-Language"]) for mail in mails} >= {"th", "ja"}
        assert len({str(mail["Message-ID"]) for mail in mails}) == len(mails), "no e-mail sent twice"

    with Up(tmp_path) as second:
        second.wait_for("Streams: COLLAB_IN unchanged")
        urls = second.wait_for("Health, readiness and metrics:")
        second.wait_for("Demo load sent")  # the same events again: JetStream or the inboxes drop them
        metrics = re.findall(r"(http://[^\s,]+/metrics)", urls)
        assert len(metrics) == len(SERVICES), urls
        _settled(metrics)
        code, output = second.interrupt()
        assert code == 0, output
    # The first run may have stopped with notifications still to send (a loaded machine is slow); the
    # second sends those, and nothing the first had sent. A notification's Message-ID is derived from its id.
    message_ids = [str(mail["Message-ID"]) for mail in _mails(tmp_path / "mail")]
    assert message_ids[: len(mails)] == [str(mail["Message-ID"]) for mail in mails], "the first run's mails are kept"
    assert len(set(message_ids)) == len(message_ids), "no e-mail sent twice across the two runs"
