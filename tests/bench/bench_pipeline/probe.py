"""Watching a running pass: the services' /metrics and the SMTP sink's journal, sampled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.bench.bench_pipeline.config import SAMPLE_EVERY, SCRAPE_TIMEOUT

Metrics = list[tuple[str, dict[str, str], float]]
"""One scrape: (sample name, labels, value) for every sample exposed."""


@dataclass(frozen=True, slots=True)
class Sample:
    at: float
    stored: float
    """Profiles matching committed (its `agencies` consumer's processed events)."""
    proposals: float
    """Events matching's outbox relay published to JetStream: its match proposals."""
    directory: float
    """Events notify's `agencies` consumer processed: profiles entered in its directory."""
    staged: float
    """Events notify's `matches` consumer processed: proposals rendered and staged as notifications."""
    mails: float
    """Mails the SMTP sink accepted."""


@dataclass
class Probe:
    """Counters of matching, notify and the sink; each `sample()` is kept in `samples`."""

    ports: dict[str, int]
    journal: Path
    samples: list[Sample] = field(default_factory=list)
    first_mail: dict[str, float] = field(default_factory=dict)
    """When the sink accepted the first mail to each address (time.time())."""
    mails: int = 0
    misses: int = 0
    """Scrapes that timed out: a service too busy to answer within `SCRAPE_TIMEOUT` (its last values stand)."""
    _client: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=SCRAPE_TIMEOUT))
    _last: dict[str, Metrics] = field(default_factory=dict)
    _offset: int = -1

    async def close(self) -> None:
        await self._client.aclose()

    async def metrics(self, service: str) -> Metrics:
        try:
            response = await self._client.get(f"http://127.0.0.1:{self.ports[service]}/metrics")
        except httpx.HTTPError:
            self.misses += 1
            return self._last.get(service, [])
        self._last[service] = [
            (sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        ]
        return self._last[service]

    def _read_journal(self) -> None:
        if self._offset < 0:  # what the sink accepted before this pass is not ours
            self._offset = self.journal.stat().st_size
        with self.journal.open("rb") as journal:
            journal.seek(self._offset)
            chunk = journal.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode().splitlines():
            at, address = line.split("\t")
            self.mails += 1
            self.first_mail.setdefault(address, float(at))

    async def sample(self) -> Sample:
        matching, notify = await asyncio.gather(self.metrics("matching"), self.metrics("notify"))
        self._read_journal()
        taken = Sample(
            time.time(),
            total(matching, "kakehashi_events_total", consumer="matching-agencies", outcome="processed"),
            total(matching, "kakehashi_outbox_published_total"),
            total(notify, "kakehashi_events_total", consumer="notify-agencies", outcome="processed"),
            total(notify, "kakehashi_events_total", consumer="notify-matches", outcome="processed"),
            self.mails,
        )
        self.samples.append(taken)
        return taken

    async def until(self, done: Callable[[Sample], bool], *, timeout: float) -> Sample:
        """Sample until `done(sample)` holds or `timeout` seconds pass; return the last sample."""
        deadline = time.monotonic() + timeout
        while not done(latest := await self.sample()) and time.monotonic() < deadline:
            await asyncio.sleep(SAMPLE_EVERY)
        return latest

    def rate(self, counter: str, start: float, end: float) -> float:
        """How fast `counter` rose from `start` to `end` (between the samples nearest inside)."""
        inside = [s for s in self.samples if start <= s.at <= end]
        if len(inside) < 2:
            return 0.0
        return float(getattr(inside[-1], counter) - getattr(inside[0], counter)) / (inside[-1].at - inside[0].at)


def total(metrics: Metrics, name: str, **labels: str) -> float:
    return sum(
        value
        for sample_name, sample_labels, value in metrics
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items())
    )


def breakdown(before: Metrics, after: Metrics) -> dict[str, Any]:
    """Per consumer, from its histograms: batches, events, and milliseconds per event in handlers and in all.

    A batch is timed from fetch to its last ack, when its events are settled; handlers are timed one by
    one inside its transaction, so a batch still in flight at the end has handler times but no batch time:
    per-event batch time is over settled events, and handler time a mean over every event handled.
    """

    def delta(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    found: dict[str, Any] = {}
    consumers = {labels["consumer"] for name, labels, _ in after if name == "kakehashi_batch_seconds_count"}
    for consumer in sorted(consumers):
        batches = delta("kakehashi_batch_seconds_count", consumer=consumer)
        settled = delta("kakehashi_events_total", consumer=consumer)
        handled = delta("kakehashi_handler_seconds_count", consumer=consumer)
        if not batches or not settled or not handled:
            continue
        per_event = delta("kakehashi_batch_seconds_sum", consumer=consumer) / settled
        in_handlers = delta("kakehashi_handler_seconds_sum", consumer=consumer) / handled
        found[consumer] = {
            "batches": int(batches),
            "events_settled": int(settled),
            "events_per_batch": round(settled / batches, 1),
            "batch_ms_mean": round(1000 * delta("kakehashi_batch_seconds_sum", consumer=consumer) / batches, 1),
            "ms_per_event_in_batch": round(1000 * per_event, 2),
            "ms_per_event_in_handler": round(1000 * in_handlers, 2),
            "handler_share": round(in_handlers / per_event, 2),
        }
    return found
