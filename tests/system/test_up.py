"""The README's first command: `kakehashi up` runs everything on embedded defaults, stops on Ctrl-C, resumes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import nats

from tests.support.cli import KAKEHASHI, ROOT
from tests.support.probe import probe_event, stored

SERVICES = ("matching", "events", "training", "notify")


class Up:
    """`kakehashi up` as a process, with its output collected line by line."""

    def __init__(self, data_dir: Path) -> None:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("KAKEHASHI_")}
        environment.update({"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"})
        self.process = subprocess.Popen(
            [str(KAKEHASHI), "up", "--data-dir", str(data_dir), "--nats-port", "0"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []

    def wait_for(self, text: str, timeout: float = 90) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not printed; output:\n{''.join(self.lines)}")

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=60)
        return self.process.returncode, "".join(self.lines) + rest


async def test_up_runs_the_system_stops_gracefully_and_resumes(tmp_path: Path) -> None:
    first = Up(tmp_path)
    ready = first.wait_for("Kakehashi is up.")
    url = re.search(r"NATS (nats://\S+),", ready)
    assert url, ready
    client = await nats.connect(url.group(1))
    js = client.jetstream()
    kept = probe_event("p-kept")
    await js.publish(kept.subject, kept.body, headers=kept.headers)
    await client.close()
    code, output = first.interrupt()
    assert code == 0, output
    for service in SERVICES:
        assert f"{service} ready" in output
        assert f"{service} stopped" in output
        assert (tmp_path / f"{service}.db").exists()
    assert output.rstrip().endswith("Stopped.")

    second = Up(tmp_path)
    second.wait_for("Streams: COLLAB_IN unchanged")
    ready = second.wait_for("Kakehashi is up.")
    url = re.search(r"NATS (nats://\S+),", ready)
    assert url
    client = await nats.connect(url.group(1))
    assert [m.headers["ce-id"] for m in await stored(client.jetstream(), "COLLAB_IN") if m.headers] == [kept.id]
    await client.close()
    code, output = second.interrupt()
    assert code == 0, output
