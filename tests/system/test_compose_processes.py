"""docker-compose.yml run without an engine: each compose service's command, with its compose environment,
as a local process, and the demo flow through them.

The stand-ins: nats-server runs `deploy/nats/single.conf` with the generated `accounts.conf` (only its
listen addresses and store folder moved to this machine), the local PostgreSQL holds the databases that
`deploy/postgres/init.sql` creates (prefixed, so the test owns them), and the operator's environment
holds the secrets and points the notify SMTP relay at a local sink. What a container would change is
kept to the minimum: the host names `nats` and `postgres` resolve to those stand-ins, and each service
gets its own HTTP port instead of 8080 (they share one host here); the compose healthchecks run as written
against that port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from sqlalchemy.engine import make_url

from shared.messaging.broker import inbox_prefix
from shared.runtime.demo import CHANTHABURI, ISE_BAY, acceptance, steps
from shared.runtime.mailsink import MailSink
from shared.runtime.nats_auth import add_agency
from shared.runtime.natsd import free_port, nats_server_binary
from tests.support.cli import ROOT
from tests.support.compose import Compose, MissingVariable
from tests.support.infra import execute_now
from tests.support.system import eventually, rows, scalar

SERVICES = ("matching", "events", "training", "notify")
AGENCIES = ("th-dip", "jp-mie")
SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "KAKEHASHI_NATS_ADMIN_PASSWORD": "admin-secret",
    **{f"KAKEHASHI_NATS_{service.upper()}_PASSWORD": f"{service}-secret" for service in SERVICES},
}
STORY = tuple(sorted((ISE_BAY.company_id, CHANTHABURI.company_id)))


class Stack:
    """The compose services as processes; stopped in reverse order of start."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} ---\n"
            + "\n".join((self.folder / f"{name}.log").read_text(errors="replace").splitlines()[-30:])
            for name in self.processes
        )

    def stop(self) -> dict[str, int]:
        statuses = {}
        for name, process in reversed(self.processes.items()):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                statuses[name] = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                statuses[name] = process.wait()
        return statuses


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    try:
        yield running
    finally:
        running.stop()


@contextlib.contextmanager
def _init_sql_databases(admin_url: str, prefix: str) -> Iterator[None]:
    """deploy/postgres/init.sql on the local server, owned by the compose role `kakehashi`."""
    names = re.findall(r"CREATE DATABASE (\w+);", (ROOT / "deploy" / "postgres" / "init.sql").read_text())
    assert set(names) == set(SERVICES)
    execute_now(
        admin_url,
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kakehashi') "
        "THEN CREATE ROLE kakehashi LOGIN; END IF; END $$",
    )
    for name in names:
        execute_now(admin_url, f'CREATE DATABASE "{prefix}{name}" OWNER kakehashi')
    try:
        yield
    finally:
        for name in names:
            execute_now(admin_url, f'DROP DATABASE IF EXISTS "{prefix}{name}" WITH (FORCE)')


def _nats_config(folder: Path, port: int, monitor_port: int) -> Path:
    """deploy/nats/single.conf and an accounts.conf with the two agencies added, listening locally."""
    nats_dir = folder / "nats"
    shutil.copytree(ROOT / "deploy" / "nats", nats_dir)
    for agency in AGENCIES:
        add_agency(agency, nats_dir=nats_dir, secrets_dir=folder / "secrets")
    config = (nats_dir / "single.conf").read_text()
    for written, local in {
        "listen: 0.0.0.0:4222": f"listen: 127.0.0.1:{port}",
        "http: 0.0.0.0:8222": f"http: 127.0.0.1:{monitor_port}",
        "store_dir: /data": f'store_dir: "{folder / "nats-data"}"',
    }.items():
        assert written in config, written
        config = config.replace(written, local)
    (nats_dir / "single.conf").write_text(config)
    return nats_dir / "single.conf"


def _healthcheck(test: list[str], port: int, environment: dict[str, str]) -> bool:
    """A compose healthcheck (`["CMD", …]`) run as written, on the port the service got here."""
    assert test[0] == "CMD"
    command = [part.replace(":8080/", f":{port}/").replace(":8222/", f":{port}/") for part in test[1:]]
    if command[0] == "wget":  # the nats image's wget, done with Python's urllib
        command = [sys.executable, "-c", f"import urllib.request; urllib.request.urlopen({command[-1]!r}, timeout=2)"]
    return subprocess.run(command, env=environment, capture_output=True, timeout=10).returncode == 0


def _wait_healthy(name: str, test: list[str], port: int, environment: dict[str, str], stack: Stack) -> None:
    deadline = time.monotonic() + 120
    while not _healthcheck(test, port, environment):
        process = stack.processes[name]
        assert process.poll() is None, f"{name} exited with {process.returncode}\n{stack.logs()}"
        assert time.monotonic() < deadline, f"{name} never became healthy\n{stack.logs()}"
        time.sleep(0.5)


async def _agency(url: str, agency: str, secrets: Path) -> Client:
    return await nats.connect(url, nkeys_seed=str(secrets / f"{agency}.nk"), inbox_prefix=inbox_prefix(agency))


def test_compose_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    compose = Compose(ROOT / "docker-compose.yml", {}, {})
    for name in (*SERVICES, "streams", "nats"):
        with pytest.raises(MissingVariable, match="required variable"):
            compose.service_environment(name)


def test_the_compose_services_run_the_demo_flow_as_local_processes(
    tmp_path: Path, stack: Stack, postgres_admin_url: str, mail_sink: MailSink
) -> None:
    nats_port, nats_monitor = free_port(), free_port()
    pg = make_url(postgres_admin_url)
    prefix = f"kh_{uuid.uuid4().hex[:8]}_"
    operator = {  # the operator's .env: secrets, and the notify relay (here the local sink)
        **SECRETS,
        "KAKEHASHI_NOTIFY_SMTP_HOST": "127.0.0.1",
        "KAKEHASHI_NOTIFY_SMTP_PORT": str(mail_sink.port),
        "KAKEHASHI_NOTIFY_SMTP_SECURITY": "none",
    }
    compose = Compose(
        ROOT / "docker-compose.yml",
        operator,
        {"nats:4222": f"127.0.0.1:{nats_port}", "postgres:5432/": f"{pg.host}:{pg.port or 5432}/{prefix}"},
    )
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("KAKEHASHI_")}
    inherited["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{inherited.get('PATH', '')}"
    # What the image sets (Dockerfile ENV), with a data folder of this test's own.
    image = {**inherited, "PYTHONUNBUFFERED": "1", "KAKEHASHI_LOG_FORMAT": "json", "KAKEHASHI_DATA_DIR": str(tmp_path)}

    with _init_sql_databases(postgres_admin_url, prefix):
        # nats: its command with the compose config; its environment carries the users' passwords.
        config = _nats_config(tmp_path, nats_port, nats_monitor)
        stack.start(
            "nats", [str(nats_server_binary()), "-c", str(config)], {**inherited, **compose.service_environment("nats")}
        )
        _wait_healthy("nats", compose.service("nats")["healthcheck"]["test"], nats_monitor, inherited, stack)

        # streams: the one-shot provisioner must complete successfully before any service starts.
        provisioner = stack.start(
            "streams", compose.command("streams"), {**image, **compose.service_environment("streams")}
        )
        assert provisioner.wait(timeout=60) == 0, stack.logs()

        ports = {}
        for name in SERVICES:
            ports[name] = free_port()
            environment = {**image, **compose.service_environment(name), "KAKEHASHI_HTTP_PORT": str(ports[name])}
            stack.start(name, compose.command(name), environment)
        for name in SERVICES:
            _wait_healthy(name, compose.service(name)["healthcheck"]["test"], ports[name], inherited, stack)

        asyncio.run(_demo_flow(f"nats://127.0.0.1:{nats_port}", tmp_path / "secrets", compose, mail_sink))

        statuses = stack.stop()
        assert all(statuses[name] == 0 for name in SERVICES), f"{statuses}\n{stack.logs()}"


async def _demo_flow(url: str, secrets: Path, compose: Compose, sink: MailSink) -> None:
    """The agencies send the demo load as their own NATS users; the story must come out the other end."""
    databases = {
        name: make_url(compose.service_environment(name)[f"KAKEHASHI_{name.upper()}_DATABASE_URL"])
        .set(drivername="postgresql+asyncpg")
        .render_as_string(hide_password=False)
        for name in SERVICES
    }
    clients = {agency: await _agency(url, agency, secrets) for agency in AGENCIES}
    try:
        for step in steps(datetime.now(UTC).date()):
            agency = step.message.subject.split(".")[2]
            ack = (
                await clients[agency]
                .jetstream()
                .publish(step.message.subject, step.message.body, headers=step.message.headers)
            )
            assert ack.seq > 0

        # training gave Chanthaburi HACCP; matching proposes it to Ise Bay, which required it
        skilled = "SELECT count(*) FROM company_skills WHERE company_id = :company"
        await eventually(
            lambda: scalar(databases["training"], skilled, company=CHANTHABURI.company_id),
            timeout=120,
            message="Chanthaburi's skill record",
        )
        pair = "((company_a = :a AND company_b = :b) OR (company_a = :b AND company_b = :a))"
        proposed = f"SELECT match_id FROM matching_matches WHERE {pair}"
        match_id = await eventually(
            lambda: scalar(databases["matching"], proposed, a=STORY[0], b=STORY[1]),
            timeout=120,
            message="the Ise Bay–Chanthaburi proposal",
        )
        for company in STORY:
            answer = acceptance(match_id, company)
            await (
                clients[answer.subject.split(".")[2]]
                .jetstream()
                .publish(answer.subject, answer.body, headers=answer.headers)
            )

        # both accepted: events seats them together at the session, with an interpreter
        seated = f"SELECT interpreter FROM meetings WHERE status = 'scheduled' AND {pair}"
        meetings = await eventually(
            lambda: rows(databases["events"], seated, a=STORY[0], b=STORY[1]),
            timeout=120,
            message="their meeting",
        )
        assert meetings == [(True,)], "one meeting, with an interpreter: they share no language"

        def story_mails() -> dict[str, set[str]]:
            languages: dict[str, set[str]] = {}
            for mail in sink.received:
                for recipient in mail.recipients:
                    languages.setdefault(recipient, set()).add(mail.language)
            return languages

        await eventually(
            lambda: {ISE_BAY.contact.email, CHANTHABURI.contact.email} <= story_mails().keys(),
            timeout=120,
            message="mail to both companies",
        )
        languages = story_mails()
        assert languages[ISE_BAY.contact.email] == {"ja"}
        assert languages[CHANTHABURI.contact.email] == {"th"}
        emailed = "SELECT count(*) FROM notify_notifications WHERE status = 'sent' AND channel = 'email'"
        assert 0 < await scalar(databases["notify"], emailed) <= len(sink.received), "sent means the relay took it"
        assert len({mail.message_id for mail in sink.received}) == len(sink.received), "no e-mail twice"
    finally:
        for client in clients.values():
            await client.close()
