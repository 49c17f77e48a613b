"""What operators see of a running service: health, readiness, Prometheus metrics, JSON logs, traces."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import urllib.error
import urllib.request
from pathlib import Path

import asyncpg
import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from shared.messaging.publisher import publish
from tests.support.cli import ROOT
from tests.support.infra import Broker
from tests.support.probe import (
    Effect,
    Probe,
    create_effects_table,
    effects,
    eventually,
    probe_event,
    probe_service,
    stored,
    with_headers,
)


def _value(series: str, metrics: str) -> float:
    found = re.search(re.escape(series) + r" ([0-9.e+]+)", metrics)
    return float(found.group(1)) if found else 0.0


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


async def test_health_readiness_and_metrics_follow_the_service_and_its_database(
    nats_server: Broker, js: JetStreamContext, postgres_url: str, postgres_admin_url: str
) -> None:
    await create_effects_table(postgres_url)
    service = probe_service(nats_server.url, postgres_url, Probe("matching-probes"))
    await service.start()
    base = f"http://127.0.0.1:{service.health.port}"
    try:
        assert await asyncio.to_thread(_get, f"{base}/healthz") == (200, '{"status": "alive"}')
        assert (await asyncio.to_thread(_get, f"{base}/readyz"))[0] == 200
        processed = 'kakehashi_events_total{consumer="matching-probes",outcome="processed",service="matching"}'
        before = _value(processed, (await asyncio.to_thread(_get, f"{base}/metrics"))[1])
        sent = [probe_event(f"p-{n}") for n in range(5)]
        for message in sent:
            await publish(js, message)

        async def handled() -> bool:
            return len(await effects(service)) == 5 and len(await stored(js, "MATCHING")) == 5

        await eventually(handled, what="five events handled and relayed")
        _, metrics = await asyncio.to_thread(_get, f"{base}/metrics")
        assert _value(processed, metrics) - before == 5, "metrics are per process: other tests count too"
        assert (
            'kakehashi_handler_seconds_count{consumer="matching-probes",service="matching",type="collab.probe.recorded.v1"}'
            in metrics
        )
        assert re.search(r'kakehashi_outbox_published_total\{service="matching"\} [1-9]', metrics)

        # The database goes away: the process is alive, but no longer ready to work.
        name = make_url(postgres_url).database
        admin = await asyncpg.connect(make_url(postgres_admin_url).set(drivername="postgresql").render_as_string(False))
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
        status, body = await asyncio.to_thread(_get, f"{base}/readyz")
        assert status == 503
        assert "database" in json.loads(body)["problems"]
        assert (await asyncio.to_thread(_get, f"{base}/healthz"))[0] == 200
    finally:
        await service.stop()
    with pytest.raises(urllib.error.URLError):
        await asyncio.to_thread(urllib.request.urlopen, f"{base}/healthz", timeout=2)


async def test_a_service_process_logs_json_with_event_and_trace_ids_and_traces_each_event(
    nats_server: Broker, js: JetStreamContext, tmp_path: Path
) -> None:
    traces = tmp_path / "spans.jsonl"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAKEHASHI_")} | {
        "KAKEHASHI_NATS_URL": nats_server.url,
        "KAKEHASHI_DATA_DIR": str(tmp_path),
        "KAKEHASHI_LOG_FORMAT": "json",
        "KAKEHASHI_LOG_LEVEL": "DEBUG",
        "KAKEHASHI_TRACE_FILE": str(traces),
    }
    log_file = tmp_path / "service.log"
    with log_file.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.probe_main", cwd=ROOT, env=environment, stderr=log
        )
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        event = with_headers(probe_event("p-traced"), traceparent=f"00-{trace_id}-00f067aa0ba902b7-01")
        await publish(js, event)

        async def relayed() -> bool:
            return len(await stored(js, "MATCHING")) == 1

        await eventually(relayed, what="the probe's event relayed")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    errors = log_file.read_text()
    assert process.returncode == 0, errors
    records = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    assert records, errors
    assert all({"time", "level", "logger", "message", "service"} <= record.keys() for record in records)
    assert any(record["message"].startswith("matching ready") for record in records)
    [handling] = [record for record in records if record["message"] == "recorded probe p-traced"]
    assert (handling["event_id"], handling["trace_id"]) == (event.id, trace_id)
    assert handling["consumer"] == "matching-probes"
    spans = [json.loads(line) for line in traces.read_text().splitlines()]
    [handled] = [span for span in spans if span["name"] == "handle collab.probe.recorded.v1"]
    assert handled["context"]["trace_id"] == f"0x{trace_id}"
    assert handled["parent_id"] == "0x00f067aa0ba902b7"
    assert handled["attributes"]["messaging.message.id"] == event.id
    [noted] = await stored(js, "MATCHING")
    assert noted.headers is not None
    emitted = noted.headers["traceparent"]
    assert emitted == f"00-{trace_id}-{handled['context']['span_id'][2:]}-01", "the emitted event continues the trace"


@pytest.mark.usefixtures("js")  # the streams
async def test_a_sqlite_service_stays_ready_while_a_long_transaction_holds_its_connection(
    nats_server: Broker, tmp_path: Path
) -> None:
    """Busy is not away: the probe reads the file over a connection of its own, not the engine's one."""
    url = f"sqlite:///{tmp_path}/matching.db"
    await create_effects_table(url)
    service = probe_service(nats_server.url, url, Probe("matching-probes"))
    await service.start()
    base = f"http://127.0.0.1:{service.health.port}"
    try:
        holding, release = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with service.transaction() as tx:
                await tx.session.execute(select(func.count()).select_from(Effect))  # takes the connection
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await holding.wait()
        await asyncio.sleep(2.5)  # longer than the probe's own deadline (2 s)
        status, body = await asyncio.to_thread(_get, f"{base}/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ready"})
        release.set()
        await holder

        # The file gone is an outage, though the service's open connection still reads it.
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"matching.db{suffix}").unlink(missing_ok=True)
        status, body = await asyncio.to_thread(_get, f"{base}/readyz")
        assert status == 503
        assert "database" in json.loads(body)["problems"]
    finally:
        await service.stop()
