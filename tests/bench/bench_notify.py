"""Notify benchmark: 1,000 match proposals between 2,000 companies become 2,000 e-mails, exactly once.

The notify service runs for real (NATS JetStream, its database, the dispatcher) with its default
pace (200 claimed at a time, 16 sends in flight over at most 16 kept-open SMTP connections) against
an aiosmtpd server in a process of its own on the same machine (in the benchmark's process, its
thread would fight the service for the GIL). Reported, on SQLite and on PostgreSQL: how fast the proposals are
staged as notifications (rendered in Thai or Japanese, saved with their inbox entries) and how fast
all are sent and recorded (with `NotificationSent` through the outbox), as a ratio to the baseline
measured in the same run: the same number of e-mails sent straight with aiosmtplib to the same
server at the same concurrency, with nothing rendered, recorded or published. And the stage as a
whole: notifications rendered, saved, sent and recorded per second over both phases together.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import nats
from nats.js import JetStreamContext
from sqlalchemy import func, select

from services.notify.config import NotifySettings
from services.notify.store.tables import NotificationRow, RecipientRow
from shared.contracts.base import Contract
from shared.contracts.subjects import agency_source, service_source
from shared.messaging.envelope import OutgoingMessage, encode
from shared.messaging.publisher import publish
from shared.messaging.streams import apply_streams
from shared.runtime.natsd import free_port
from shared.runtime.service import Service
from tests.integration.notify.harness import notify_settings, running
from tests.support.infra import nats_broker, postgres_database, postgres_server
from tests.unit.notify.builders import match_proposed, profile

PAIRS = 1000
EMAILS = 2 * PAIRS
CONCURRENCY = NotifySettings.model_fields["dispatch_concurrency"].default
"""The service's default sends in flight; the baseline sends as many at once."""
RUNS = 3
AGENCIES = ("th-dip", "jp-mie")

_SINK = r"""
import sys
from aiosmtpd.controller import Controller

class Journal:
    def __init__(self, path):
        self.out = open(path, "a", buffering=1)

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or b""
        header = b"Kakehashi-Notification-Id: "
        start = content.find(header)
        end = content.find(b"\r\n", start)
        self.out.write((content[start + len(header):end].decode() if start >= 0 else "-") + "\n")
        return "250 OK"

controller = Controller(Journal(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
sys.stdin.read()
controller.stop()
"""


class Sink:
    """The SMTP server's process and its journal: one line per accepted message, its notification id."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.journal = directory / f"smtp-{self.port}.log"
        self.journal.touch()

    def received(self) -> list[str]:
        return self.journal.read_text().splitlines()


@contextmanager
def smtp_sink(directory: Path) -> Iterator[Sink]:
    sink = Sink(directory)
    process = subprocess.Popen([sys.executable, "-c", _SINK, str(sink.port), str(sink.journal)], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not _listening(sink.port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the SMTP sink did not start")
            time.sleep(0.05)
        yield sink
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def baseline(sink: Sink) -> float:
    """E-mails per second sent straight with aiosmtplib, `CONCURRENCY` at a time, one connection each."""
    slots = asyncio.Semaphore(CONCURRENCY)

    async def send(n: int) -> None:
        message = EmailMessage()
        message["Subject"] = f"ข้อเสนอจับคู่ธุรกิจ {n}"
        message["From"] = "Kakehashi <noreply@kakehashi.example>"
        message["To"] = f"baseline-{n}@example.co.th"
        message.set_content("สวัสดี こんにちは hello\n" * 40)
        async with slots:
            await aiosmtplib.send(message, hostname="127.0.0.1", port=sink.port, start_tls=False)

    before = len(sink.received())
    started = time.perf_counter()
    await asyncio.gather(*(send(n) for n in range(EMAILS)))
    elapsed = time.perf_counter() - started
    assert len(sink.received()) - before == EMAILS
    return EMAILS / elapsed


def _agency(data: Contract, agency: str) -> OutgoingMessage:
    return encode(data, source=agency_source(agency), agency=agency)


def _matching(data: Contract) -> OutgoingMessage:
    return encode(data, source=service_source("matching"))


def pairs() -> list[tuple[str, str]]:
    return [(f"th-0105550{n:06d}", f"jp-1190000{n:06d}") for n in range(PAIRS)]


async def publish_all(js: JetStreamContext, events: list[OutgoingMessage]) -> None:
    for start in range(0, len(events), 500):
        await asyncio.gather(*(publish(js, event) for event in events[start : start + 500]))


async def count(service: Service, table: type[Any], *where: Any) -> int:
    async with service.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def until(check: Callable[[], Awaitable[bool]], started: float) -> float:
    """Seconds from `started` until `check` holds (polled every 20 ms)."""
    while not await check():
        if time.perf_counter() - started > 600:
            raise TimeoutError("not done after 10 minutes")
        await asyncio.sleep(0.02)
    return time.perf_counter() - started


async def measure(nats_url: str, database_url: str, sink: Sink) -> dict[str, float]:
    """Three phases, each timed alone: the directory, staging the proposals, sending the e-mails."""
    client = await nats.connect(nats_url)
    js = client.jetstream()
    await apply_streams(js)
    settings = notify_settings(nats_url, database_url, smtp_host="127.0.0.1", smtp_port=sink.port)
    before = len(sink.received())
    # Phases 1 and 2 with the dispatcher asleep (it looks once at start, then waits an hour).
    async with running(settings, asleep=True) as service:
        profiles = [
            _agency(profile(company), agency)
            for pair in pairs()
            for company, agency in zip(pair, AGENCIES, strict=True)
        ]
        started = time.perf_counter()
        await publish_all(js, profiles)

        async def registered() -> bool:
            return await count(service, RecipientRow) == len(profiles)

        directory_seconds = await until(registered, started)
        proposals = [_matching(match_proposed(*pair, match_id=f"m-bench-{n}")) for n, pair in enumerate(pairs())]
        started = time.perf_counter()
        await publish_all(js, proposals)

        async def staged() -> bool:
            return await count(service, NotificationRow) == EMAILS

        staging_seconds = await until(staged, started)
    # Phase 3: a fresh process finds 2,000 pending notifications.
    async with running(settings) as service:
        started = time.perf_counter()

        async def sent() -> bool:
            return await count(service, NotificationRow, NotificationRow.status == "sent") == EMAILS

        sending_seconds = await until(sent, started)
    await client.close()
    received = collections.Counter(sink.received()[before:])
    assert len(received) == EMAILS, "every notification reached the SMTP server"
    assert set(received.values()) == {1}, "each exactly once"
    return {
        "profiles_per_s": len(profiles) / directory_seconds,
        "staged_per_s": EMAILS / staging_seconds,
        "sent_per_s": EMAILS / sending_seconds,
        "rendered_and_sent_per_s": EMAILS / (staging_seconds + sending_seconds),
    }


def run(out_dir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "pairs": PAIRS,
        "emails": EMAILS,
        "concurrency": CONCURRENCY,
        "runs": RUNS,
        "what": "medians of the runs; each e-mail checked to arrive exactly once",
    }
    with smtp_sink(out_dir) as sink:
        base = statistics.median(asyncio.run(baseline(sink)) for _ in range(RUNS))
        results["baseline_aiosmtplib_emails_per_s"] = round(base, 1)
        with postgres_server() as admin:
            for database in ("sqlite", "postgresql"):
                runs = []
                for index in range(RUNS):
                    with nats_broker() as broker:
                        if database == "sqlite":
                            path = out_dir / f"bench-notify-{index}.db"
                            path.unlink(missing_ok=True)
                            runs.append(asyncio.run(measure(broker.url, f"sqlite+aiosqlite:///{path}", sink)))
                            path.unlink(missing_ok=True)
                        else:
                            with postgres_database(admin) as url:
                                runs.append(asyncio.run(measure(broker.url, url, sink)))
                median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                results[database] = {
                    "directory_profiles_per_s": round(median["profiles_per_s"], 1),
                    "staged_notifications_per_s": round(median["staged_per_s"], 1),
                    "sent_emails_per_s": round(median["sent_per_s"], 1),
                    # The stage as a whole: each notification rendered, saved, sent and recorded (the two
                    # phases one after the other; in the pipeline they share the process with each other).
                    "rendered_and_sent_per_s": round(median["rendered_and_sent_per_s"], 1),
                    "sent_vs_baseline": round(median["sent_per_s"] / base, 3),
                }
        sink.journal.unlink()
    return results
