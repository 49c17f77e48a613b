"""The phases of one pass: warm-up, latency at a low and at the offered rate, then a burst for throughput."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nats.js import JetStreamContext

from tests.bench.bench_pipeline.config import (
    BURST_WINDOW,
    CUTOFF,
    IN_FLIGHT,
    OFFERED_RATE,
    PROBE_RATE,
    SAMPLE_EVERY,
    SERVICES,
    WARMUP_TIMEOUT,
)
from tests.bench.bench_pipeline.probe import Probe, breakdown
from tests.bench.bench_pipeline.processes import cpu_seconds
from tests.bench.bench_pipeline.workload import Submission, Workload
from tests.support.system import System, connect, publish_all, rows, scalar

_PARTNERED = "SELECT company_a, company_b FROM matching_matches"
_PROPOSALS = "SELECT count(*) FROM matching_matches"
_STORED = "SELECT company_id FROM matching_profiles"
_HANDLED = "SELECT company_id, updated_at FROM matching_profiles"
_REGISTERED = "SELECT company_id, updated_at FROM notify_recipients"
_FIRST_STAGED = "SELECT address, min(created_at) FROM notify_notifications WHERE address IS NOT NULL GROUP BY address"
_PENDING = "SELECT count(*) FROM notify_notifications WHERE status = 'pending'"


async def measure(
    system: System, urls: dict[str, str], work: Workload, journal: Path, others: dict[str, int], label: str
) -> dict[str, Any]:
    """Every phase on the running services; the histograms' breakdown over the measured phases.

    `others` names the processes besides the services (nats-server, the sink) whose CPU time is counted.
    """
    running = [replica for replica in system.replicas if replica.alive()]
    probe = Probe({r.service: r.http_port for r in running}, journal)
    pids = {**{r.service: r.process.pid for r in running}, **others}
    client = await connect(system.nats_url)
    js = client.jetstream()
    results: dict[str, Any] = {"latency": {}}
    try:
        began = time.perf_counter()
        # First-time paths (templates, statements, connections) out of the way of what is measured.
        await _latency(probe, js, urls, work.phases["warmup"], rate=None, patience=WARMUP_TIMEOUT)
        deadline = time.monotonic() + WARMUP_TIMEOUT  # and the low-rate probe starts on an idle system
        while await scalar(urls["notify"], _PENDING) and time.monotonic() < deadline:
            await asyncio.sleep(SAMPLE_EVERY)
        _progress(label, "warm-up", began)
        probe.samples.clear()
        metrics_before = {service: await probe.metrics(service) for service in SERVICES}
        for phase, rate in (("probe", PROBE_RATE), ("offered", OFFERED_RATE)):
            began = time.perf_counter()
            results["latency"][phase] = found = await _latency(probe, js, urls, work.phases[phase], rate=rate)
            _progress(label, f"{phase} at {rate:.0f}/s: {found['ms']}", began)
        began, at = time.perf_counter(), time.time()
        results["throughput"] = found = await _throughput(probe, js, urls, work.phases["burst"], pids)
        _progress(label, f"burst: {json.dumps(found)}", began)
        results["time_per_event"] = {
            service: breakdown(metrics_before[service], await probe.metrics(service)) for service in SERVICES
        }
        results["burst_samples"] = [
            [round(s.at - at, 2), s.stored, s.proposals, s.mails] for s in probe.samples if s.at >= at
        ]
        results["scrapes_timed_out"] = probe.misses
    finally:
        await probe.close()
        await client.close()
    return results


def _progress(label: str, what: str, began: float) -> None:
    print(f"{label}: {what} ({time.perf_counter() - began:.0f} s)", flush=True)


# --- latency --------------------------------------------------------------------------------------


async def _latency(
    probe: Probe,
    js: JetStreamContext,
    urls: dict[str, str],
    submissions: Sequence[Submission],
    rate: float | None,
    *,
    patience: float = CUTOFF,
) -> dict[str, Any]:
    """Publish (paced at `rate`, or all at once) and time each profile's first e-mail.

    Counted: every profile matching found partners for, and every one it had not even stored when
    our patience ran out (those surely waited longer than that).
    """
    before = await probe.sample()
    if rate is None:
        now = time.time()
        await publish_all(js, [s.message for s in submissions], window=IN_FLIGHT)
        published = {s.company_id: now for s in submissions}
    else:
        published = await _paced(js, submissions, rate)
    first, last = min(published.values()), max(published.values())
    stored = await probe.until(lambda s: s.stored >= before.stored + len(submissions), timeout=patience)
    expected = await _expected(urls, submissions)
    await probe.until(
        lambda _: all(s.address in probe.first_mail for s in expected), timeout=max(0.0, last + patience - time.time())
    )
    expected = await _expected(urls, submissions)
    latencies = sorted(
        probe.first_mail[s.address] - published[s.company_id] if s.address in probe.first_mail else float("inf")
        for s in expected
    )

    def ms(q: float) -> float | str | None:
        """`> patience` when the profile at that rank got no mail in time (censored)."""
        if not latencies:
            return None
        value = _rank(latencies, q)
        return f"> {patience * 1000:.0f}" if value > patience else round(value * 1000, 1)

    return {
        "profiles": len(submissions),
        "offered_per_s": rate,
        "published_per_s": round(len(submissions) / max(last - first, 1e-9)) if rate is not None else None,
        "stored_by_matching": int(stored.stored - before.stored),
        "stored_by_matching_in_s": round(stored.at - first, 2),
        "counted": len(expected),
        "with_mail_in_time": sum(latency <= patience for latency in latencies),
        "ms": {"p50": ms(0.5), "p90": ms(0.9), "p99": ms(0.99), "max": ms(1.0)},
        "legs_ms": await _legs(urls, expected, published, probe.first_mail),
        "cdf_ms": [round(latency * 1000, 1) for latency in latencies if latency <= patience],
    }


async def _paced(js: JetStreamContext, submissions: Sequence[Submission], rate: float) -> dict[str, float]:
    """Publish on schedule, `rate` a second, never waiting for the system (open loop): when each went out."""
    published: dict[str, float] = {}
    pending: set[asyncio.Task[Any]] = set()

    async def one(submission: Submission) -> None:
        published[submission.company_id] = time.time()
        message = submission.message
        await js.publish(message.subject, message.body, headers=message.headers, timeout=30)

    began = time.perf_counter()
    for n, submission in enumerate(submissions):
        await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
        task = asyncio.create_task(one(submission))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return published


async def _expected(urls: dict[str, str], submissions: Sequence[Submission]) -> list[Submission]:
    """The submissions a first e-mail is due for: those with partners, and those not stored yet."""
    partnered = {company for pair in await rows(urls["matching"], _PARTNERED) for company in pair}
    stored = {company for (company,) in await rows(urls["matching"], _STORED)}
    return [s for s in submissions if s.company_id in partnered or s.company_id not in stored]


async def _legs(
    urls: dict[str, str], submissions: Sequence[Submission], published: dict[str, float], first_mail: dict[str, float]
) -> dict[str, dict[str, float]]:
    """p50 and p90 of each leg, over the profiles that got a mail, from the services' own timestamps: when
    matching handled the profile (`matching_profiles.updated_at`), when notify entered it in its directory
    (`notify_recipients.updated_at`; a proposal that arrives first waits for that), and when notify staged
    the first notification to it."""
    handled = {company: _epoch(at) for company, at in await rows(urls["matching"], _HANDLED)}
    registered = {company: _epoch(at) for company, at in await rows(urls["notify"], _REGISTERED)}
    staged = {address: _epoch(at) for address, at in await rows(urls["notify"], _FIRST_STAGED)}
    legs: dict[str, list[float]] = {
        "publish_to_matched": [],
        "publish_to_notify_directory": [],
        "matched_to_staged": [],
        "staged_to_accepted": [],
    }
    for s in submissions:
        if s.address in first_mail and s.company_id in handled and s.address in staged:
            legs["publish_to_matched"].append(handled[s.company_id] - published[s.company_id])
            if s.company_id in registered:
                legs["publish_to_notify_directory"].append(registered[s.company_id] - published[s.company_id])
            legs["matched_to_staged"].append(staged[s.address] - handled[s.company_id])
            legs["staged_to_accepted"].append(first_mail[s.address] - staged[s.address])
    return {
        leg: {
            "p50": round(1000 * statistics.median(values), 1),
            "p90": round(1000 * _rank(sorted(values), 0.9), 1),
            "profiles": len(values),
        }
        for leg, values in legs.items()
        if values
    }


def _rank(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _epoch(value: datetime | str) -> float:
    """A timestamp column as read by a plain query: naive UTC text from SQLite, aware from PostgreSQL."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


# --- throughput -----------------------------------------------------------------------------------


async def _throughput(
    probe: Probe, js: JetStreamContext, urls: dict[str, str], burst: Sequence[Submission], pids: dict[str, int]
) -> dict[str, Any]:
    """A burst published at once: the sustained rate of each stage, and how busy each process was meanwhile."""
    cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
    before = await probe.sample()
    proposed_before = await scalar(urls["matching"], _PROPOSALS)
    await publish_all(js, [s.message for s in burst], window=IN_FLIGHT)
    published = await probe.sample()
    stored = await probe.until(lambda s: s.stored >= before.stored + len(burst), timeout=30)
    proposed = await scalar(urls["matching"], _PROPOSALS) - proposed_before
    end = await probe.until(lambda s: s.at >= max(before.at + BURST_WINDOW, stored.at + 2), timeout=BURST_WINDOW + 5)
    ingest, count, window = stored.at - before.at, stored.stored - before.stored, end.at - before.at
    busy = {name: round((cpu_seconds(pid) - cpu[name]) / window, 2) for name, pid in pids.items()}

    def rate(stage: str, total: float) -> tuple[float, bool]:
        """Events per second through a stage: all of them over the time it took when it finished within
        the window, else what it did over the whole window."""
        start = getattr(before, stage)
        done = next((s for s in probe.samples if s.at >= before.at and getattr(s, stage) >= start + total), None)
        if done is not None:
            return round(total / (done.at - before.at), 1), True
        return round((getattr(end, stage) - start) / window, 1), False

    relayed, relayed_done = rate("proposals", proposed)
    directory, directory_done = rate("directory", len(burst))
    staged, staged_done = rate("staged", proposed)
    return {
        "profiles": len(burst),
        "published_in_s": round(published.at - before.at, 2),
        "profiles_stored_per_s": round(count / ingest, 1),
        "stored_in_s": round(ingest, 1),
        "proposals_per_s": round(proposed / ingest, 1),
        "proposals_per_profile": round(proposed / max(1.0, count), 2),
        "proposals_relayed_to_jetstream_per_s": relayed,
        "proposals_relayed_in_window": relayed_done,
        "notify_directory_profiles_per_s": directory,
        "notify_directory_done_in_window": directory_done,
        "notify_proposals_staged_per_s": staged,
        "notify_proposals_staged_in_window": staged_done,
        "emails_accepted_per_s": round(probe.rate("mails", before.at + 2.0, end.at), 1),
        "notifications_still_pending_at_end": int(await scalar(urls["notify"], _PENDING)),
        "window_s": round(window, 1),
        "cpu_cores_busy_in_window": busy,
    }
