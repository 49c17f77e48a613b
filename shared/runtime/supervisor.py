"""`kakehashi up`: the whole system on one machine, on embedded defaults, until Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

import nats
from rich.console import Console

from shared.contracts.subjects import SERVICES
from shared.messaging.streams import StreamReport, apply_streams
from shared.runtime.natsd import NatsServer, free_port, port_is_free

_COLOURS = {"matching": "cyan", "events": "magenta", "training": "green", "notify": "yellow"}
_READY_TIMEOUT = 120.0


class _Stop(Exception):
    pass


def run_system(*, data_dir: Path, nats_port: int, console: Console, graceful_timeout: float = 30.0) -> int:
    """Run nats-server and the four services until Ctrl-C or SIGTERM; return the exit status."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = nats_port if nats_port and port_is_free(nats_port) else free_port()
    if nats_port and port != nats_port:
        console.print(f"[yellow]Port {nats_port} is taken (another nats-server?); using {port}.[/]")
    server = NatsServer(store_dir=data_dir / "nats", port=port, log_file=data_dir / "nats-server.log")
    with console.status(f"Starting nats-server with JetStream in {server.store_dir} …"):
        server.start()
    console.print(f"nats-server up at [bold]{server.url}[/] (log: {server.log_file})")

    services: dict[str, subprocess.Popen[str]] = {}
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        with console.status("Provisioning streams …"):
            reports = asyncio.run(_provision(server.url))
        console.print("Streams: " + ", ".join(f"{r.name} {r.outcome}" for r in reports))
        env = {**os.environ, "KAKEHASHI_NATS_URL": server.url, "KAKEHASHI_DATA_DIR": str(data_dir)}
        ready = {name: threading.Event() for name in SERVICES}
        for name in SERVICES:
            services[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the services in order
            )
            threading.Thread(
                target=_relay_output, args=(name, services[name], ready[name], console), daemon=True
            ).start()
        with console.status("Starting matching, events, training and notify …"):
            _wait_ready(services, ready)
        console.print(
            f"[bold green]Kakehashi is up.[/] NATS {server.url}, data in {data_dir}. "
            "Press Ctrl-C to stop; the next `kakehashi up` resumes from the stored state."
        )
        while True:
            for name, process in services.items():
                if process.poll() is not None:
                    console.print(f"[red]{name} exited with status {process.returncode}; stopping everything.[/]")
                    return 1
            time.sleep(0.2)
    except (KeyboardInterrupt, _Stop):
        console.print("Stopping: services finish their work in hand, then nats-server shuts down …")
        return 0
    except _NotReady as error:
        console.print(f"[red]{error}[/]")
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop_services(services, graceful_timeout)
        server.stop()
        console.print("Stopped.")


class _NotReady(Exception):
    pass


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


async def _provision(url: str) -> list[StreamReport]:
    client = await nats.connect(url, connect_timeout=5)
    try:
        return await apply_streams(client.jetstream())
    finally:
        await client.close()


def _relay_output(name: str, process: subprocess.Popen[str], ready: threading.Event, console: Console) -> None:
    assert process.stdout is not None
    colour = _COLOURS[name]
    for line in process.stdout:
        if f"{name} ready" in line:
            ready.set()
        console.print(f"[{colour}]{name:>8}[/] │ {line.rstrip()}", markup=True, highlight=False, soft_wrap=True)


def _wait_ready(services: dict[str, subprocess.Popen[str]], ready: dict[str, threading.Event]) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT
    while not all(event.is_set() for event in ready.values()):
        for name, process in services.items():
            if process.poll() is not None:
                raise _NotReady(f"{name} exited with status {process.returncode} while starting")
        if time.monotonic() > deadline:
            late = [name for name, event in ready.items() if not event.is_set()]
            raise _NotReady(f"not ready after {_READY_TIMEOUT:.0f} s: {', '.join(late)}")
        time.sleep(0.1)


def _stop_services(services: dict[str, subprocess.Popen[str]], timeout: float) -> None:
    for process in services.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in services.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
