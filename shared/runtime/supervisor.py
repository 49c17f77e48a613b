"""`kakehashi up`: the whole system on one machine, on embedded defaults, until Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import nats
from rich.console import Console

from shared.contracts.subjects import SERVICES
from shared.messaging.streams import StreamReport, apply_streams
from shared.runtime.demo import steps
from shared.runtime.mailsink import MailSink
from shared.runtime.monitor import Monitor
from shared.runtime.natsd import NatsServer, free_port, port_is_free

_COLOURS = {"matching": "cyan", "events": "magenta", "training": "green", "notify": "yellow"}
_READY_TIMEOUT = 120.0


class _Stop(Exception):
    pass


def run_system(
    *,
    data_dir: Path,
    nats_port: int,
    console: Console,
    demo: bool = True,
    verbose: bool = False,
    graceful_timeout: float = 30.0,
) -> int:
    """Run nats-server, a local SMTP sink and the four services until Ctrl-C or SIGTERM; return the exit status.

    With `demo`, the agencies' demo load goes in once everything is up, and the flow is shown as it happens.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = nats_port if nats_port and port_is_free(nats_port) else free_port()
    if nats_port and port != nats_port:
        console.print(f"[yellow]Port {nats_port} is taken (another nats-server?); using {port}.[/]")
    server = NatsServer(store_dir=data_dir / "nats", port=port, log_file=data_dir / "nats-server.log")
    with console.status(f"Starting nats-server with JetStream in {server.store_dir} …"):
        server.start()
    console.print(f"nats-server up at [bold]{server.url}[/] (log: {server.log_file})")

    services: dict[str, subprocess.Popen[str]] = {}
    monitor = Monitor(server.url, console)
    sink = MailSink(folder=data_dir / "mail", on_mail=monitor.mail)
    sink.start()
    console.print(f"SMTP sink on 127.0.0.1:{sink.port}: e-mail stays on this machine, in {sink.folder}")
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        with console.status("Provisioning streams …"):
            reports = asyncio.run(_provision(server.url))
        console.print("Streams: " + ", ".join(f"{r.name} {r.outcome}" for r in reports))
        env = {
            **os.environ,
            "KAKEHASHI_NATS_URL": server.url,
            "KAKEHASHI_DATA_DIR": str(data_dir),
            "KAKEHASHI_HTTP_PORT": "0",
            "KAKEHASHI_LOG_LEVEL": os.environ.get("KAKEHASHI_LOG_LEVEL", "INFO" if verbose else "WARNING"),
            "KAKEHASHI_NOTIFY_SMTP_HOST": "127.0.0.1",
            "KAKEHASHI_NOTIFY_SMTP_PORT": str(sink.port),
            "KAKEHASHI_NOTIFY_SMTP_SECURITY": "none",
            "KAKEHASHI_NOTIFY_MAIL_FROM": "Kakehashi <kakehashi@localhost>",
        }
        ports = {name: free_port() for name in SERVICES}
        for name in SERVICES:
            services[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"],
                env={**env, "KAKEHASHI_HTTP_PORT": str(ports[name])},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the services in order
            )
            threading.Thread(target=_relay_output, args=(name, services[name], console), daemon=True).start()
        with console.status("Starting matching, events, training and notify …"):
            _wait_ready(services, ports)
        console.print(
            "Health, readiness and metrics: "
            + ", ".join(f"{name} http://127.0.0.1:{port}/metrics" for name, port in ports.items())
        )
        console.print(
            f"[bold green]Kakehashi is up.[/] NATS {server.url}, data in {data_dir}. "
            "Press Ctrl-C to stop; the next `kakehashi up` resumes from the stored state."
        )
        monitor.start(list(steps(datetime.now(UTC).date())) if demo else [])
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
        monitor.stop()
        _stop_services(services, graceful_timeout)
        sink.stop()
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


def _relay_output(name: str, process: subprocess.Popen[str], console: Console) -> None:
    """Each service's log lines, prefixed with its name (only warnings and worse unless --verbose)."""
    assert process.stdout is not None
    colour = _COLOURS[name]
    for line in process.stdout:
        console.print(f"[{colour}]{name:>8}[/] │ {line.rstrip()}", markup=True, highlight=False, soft_wrap=True)


def _wait_ready(services: dict[str, subprocess.Popen[str]], ports: dict[str, int]) -> None:
    """Until every service's /readyz says ready (NATS connected, database open, consumers running)."""
    deadline = time.monotonic() + _READY_TIMEOUT
    waiting = set(services)
    while waiting:
        for name in sorted(waiting):
            process = services[name]
            if process.poll() is not None:
                raise _NotReady(f"{name} exited with status {process.returncode} while starting")
            if _ready(ports[name]):
                waiting.discard(name)
        if time.monotonic() > deadline:
            raise _NotReady(f"not ready after {_READY_TIMEOUT:.0f} s: {', '.join(sorted(waiting))}")
        time.sleep(0.2)


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


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
