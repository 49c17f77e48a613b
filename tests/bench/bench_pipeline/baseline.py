"""The baseline: raw nats-py JetStream publishing and pull-consuming of the pipeline's own events."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from shared.messaging.envelope import CE_ID, NATS_MSG_ID, OutgoingMessage
from shared.messaging.streams import StreamSpec
from shared.runtime.natsd import NatsServer
from tests.bench.bench_pipeline.config import BASELINE_EVENTS, BASELINE_RUNS, IN_FLIGHT
from tests.bench.bench_pipeline.workload import Submission
from tests.support.system import connect, publish_all

_STREAM = StreamSpec("BENCH_BASELINE", ("bench.>",), "raw nats-py baseline of bench_pipeline")
"""Configured like Kakehashi's own streams (file storage, the same limits and duplicate window)."""


async def measure(nats_url: str, submissions: Sequence[Submission]) -> dict[str, Any]:
    """Medians of pipelined publishing (`IN_FLIGHT` awaiting their PubAck) and of fetch(500) + an ack each."""
    messages = [
        OutgoingMessage(f"bench.{s.message.subject}", s.message.headers, s.message.body)
        for s in (submissions[n % len(submissions)] for n in range(BASELINE_EVENTS))
    ]
    client = await connect(nats_url)
    js = client.jetstream()
    published, consumed = [], []
    for _ in range(BASELINE_RUNS):
        await js.add_stream(_STREAM.config(replicas=1))
        began = time.perf_counter()
        stored = await publish_all(js, _unique(messages), window=IN_FLIGHT)
        published.append(stored / (time.perf_counter() - began))
        assert stored == len(messages), f"the baseline stored {stored} of {len(messages)}"
        pull = await js.pull_subscribe("bench.>", durable="bench-baseline", stream=_STREAM.name)
        began = time.perf_counter()
        left = len(messages)
        while left:
            for msg in await pull.fetch(min(500, left), timeout=10):
                await msg.ack()
                left -= 1
        consumed.append(len(messages) / (time.perf_counter() - began))
        await pull.unsubscribe()
        await js.delete_stream(_STREAM.name)
    await client.close()
    return {
        "events": len(messages),
        "event_bytes_mean": round(sum(len(m.body) for m in messages) / len(messages)),
        "runs": BASELINE_RUNS,
        "publish_per_s": round(statistics.median(published)),
        "pull_consume_ack_per_s": round(statistics.median(consumed)),
        "publish_runs": [round(rate) for rate in published],
        "consume_runs": [round(rate) for rate in consumed],
    }


def _unique(messages: list[OutgoingMessage]) -> Iterator[OutgoingMessage]:
    """Each message with an id of its own, or JetStream would drop a repeated profile as a duplicate."""
    for n, message in enumerate(messages):
        event_id = f"{message.id}-{n}"
        headers = {**message.headers, CE_ID: event_id, NATS_MSG_ID: event_id}
        yield OutgoingMessage(message.subject, headers, message.body)


class DefaultSyncServer(NatsServer):
    """For reference only: the same nats-server with JetStream's default `sync_interval` (2 min), not `always`."""

    def write_config(self) -> Path:
        path = super().write_config()
        path.write_text(path.read_text().replace("sync_interval: always\n", ""))
        return path
