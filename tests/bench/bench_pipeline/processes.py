"""Processes of the benchmark's own: the SMTP sink, and services run under cProfile."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pstats
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.runtime.mailsink import MailSink
from shared.runtime.natsd import free_port
from tests.bench.bench_pipeline.config import IN_FLIGHT, PROFILED_SECONDS, SERVICES
from tests.bench.bench_pipeline.workload import Workload
from tests.support.cli import ROOT
from tests.support.system import Replica, System, connect, publish_all

_SINK = """
import sys, time
from shared.runtime.mailsink import MailSink

journal = open(sys.argv[2], "a", buffering=1)

def keep(mail):
    journal.write(f"{time.time():.6f}\\t{mail.recipients[0]}\\n")
    sink.received.clear()  # the journal is the record; hold nothing in memory

sink = MailSink(port=int(sys.argv[1]), on_mail=keep)
sink.start()
sys.stdin.read()
sink.stop()
"""

_PROFILED = """
import cProfile, runpy, signal, sys

profiler = cProfile.Profile()
signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())  # from readiness on, not the start-up
try:
    runpy.run_module(sys.argv[1], run_name="__main__", alter_sys=True)
finally:
    profiler.disable()
    profiler.dump_stats(sys.argv[2])
"""

_EPOLL = "<method 'poll' of 'select.epoll' objects>"


@dataclass(frozen=True, slots=True)
class Sink:
    named: MailSink
    """Not started: it names the port the sink process listens on, for `System`."""
    journal: Path
    """One line per accepted mail: when (time.time()), tab, to whom."""
    pid: int


@contextlib.contextmanager
def mail_sink(folder: Path) -> Iterator[Sink]:
    """`MailSink` in a process of its own (in ours, its thread would fight the publisher for the GIL)."""
    named = MailSink()
    journal = folder / "mails.tsv"
    journal.touch()
    process = subprocess.Popen(
        [sys.executable, "-c", _SINK, str(named.port), str(journal)], cwd=ROOT, stdin=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not _listening(named.port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the SMTP sink did not start")
            time.sleep(0.05)
        yield Sink(named, journal, process.pid)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def profiled(system: System, work: Workload, folder: Path) -> dict[str, Any]:
    """Restart the services under cProfile on the same databases, record from readiness on, feed a burst."""
    replicas = [_start_profiled(system, service, folder / f"{service}.prof") for service in SERVICES]
    system.wait_ready(replicas)
    for replica in replicas:
        replica.process.send_signal(signal.SIGUSR1)

    async def feed() -> None:
        client = await connect(system.nats_url)
        await publish_all(client.jetstream(), [s.message for s in work.phases["profiled"]], window=IN_FLIGHT)
        await client.close()
        await asyncio.sleep(PROFILED_SECONDS)

    asyncio.run(feed())
    system.stop()
    return {service: _top(folder / f"{service}.prof") for service in SERVICES}


def _start_profiled(system: System, service: str, stats: Path) -> Replica:
    """As `System.start` starts a replica, with the profiler around `python -m services.<service>`."""
    port = free_port()
    log_file = system.folder / f"{service}-profiled.log"
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _PROFILED, f"services.{service}", str(stats)],
            cwd=ROOT,
            env={**system.environment(service), "KAKEHASHI_HTTP_PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    replica = Replica(service, len(system.replicas), process, port, log_file)
    system.replicas.append(replica)
    return replica


def _top(path: Path, count: int = 15) -> dict[str, Any]:
    """Own time per function and per package; the event loop's waiting (epoll) apart from the work.

    cProfile measures wall time on the main thread: aiosqlite's queries run on a thread of their own
    and show as waiting, and on a loaded machine a system call that wakes another process (a socket
    send on loopback) is charged the time the scheduler gave that process.
    """
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    waiting = sum(entry[2] for (_, _, name), entry in stats.items() if name == _EPOLL)
    working = {key: entry for key, entry in stats.items() if key[2] != _EPOLL}
    busy = sum(entry[2] for entry in working.values())
    by_package: dict[str, float] = {}
    for (filename, _, name), entry in working.items():
        package = _package(filename, name)
        by_package[package] = by_package.get(package, 0.0) + entry[2]
    ranked = sorted(working.items(), key=lambda item: item[1][2], reverse=True)[:count]
    return {
        "recorded_seconds": round(busy + waiting, 1),
        "waiting_in_event_loop_share": round(waiting / (busy + waiting), 3),
        "busy_time_by_package": {
            name: round(seconds / busy, 3) for name, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:12]
        },
        "top_own_time": [
            {
                "function": f"{_short(filename)}:{line}({name})",
                "calls": entry[1],
                "own_s": round(entry[2], 2),
                "share_of_busy": round(entry[2] / busy, 3),
                "cumulative_s": round(entry[3], 2),
            }
            for (filename, line, name), entry in ranked
        ],
    }


def _short(filename: str) -> str:
    """A path from its package on: `sqlalchemy/orm/…`, `services/notify/…`, `asyncio/…`."""
    for marker in ("/site-packages/", "/lib/python3.11/", f"{ROOT}/"):
        if marker in filename:
            return filename.rpartition(marker)[2]
    return filename


def _package(filename: str, name: str) -> str:
    """`sqlalchemy`, `services/notify`, `asyncio`; C code by its module: `socket (C)`, `pydantic_core (C)`."""
    if filename == "~":
        found = re.search(r"of '([\w.]+)' objects|built-in method ([\w.]+)", name)
        module = (found.group(1) or found.group(2)) if found else "builtins"
        return f"{module.split('.')[0].lstrip('_') if '.' in module else 'builtins'} (C)"
    short = _short(filename)
    if short.startswith(("services/", "shared/")):
        return "/".join(short.split("/")[:2])
    return short.split("/")[0].removesuffix(".py")
