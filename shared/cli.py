"""The `kakehashi` command: run the system or a service, provision streams, inspect and replay the DLQ."""

from __future__ import annotations

import asyncio
import contextlib
import json
import runpy
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import nats
import nats.errors
import typer
from nats.aio.client import Client
from nats.js import JetStreamContext
from rich.console import Console
from rich.table import Table

from shared.apidoc.server import serve_docs
from shared.contracts.subjects import SERVICES
from shared.messaging import dlq as dead_letters
from shared.messaging.agency_publish import prepare
from shared.messaging.broker import tls_context
from shared.messaging.errors import PermanentError
from shared.messaging.publisher import publish as publish_message
from shared.messaging.streams import apply_streams
from shared.runtime.nats_auth import add_agency, read_registry
from shared.runtime.supervisor import run_system

app = typer.Typer(no_args_is_help=True, help="Kakehashi: the event backbone of the Thailand–Mie collaboration.")
streams_app = typer.Typer(no_args_is_help=True, help="Provision and check the JetStream streams.")
dlq_app = typer.Typer(no_args_is_help=True, help="Inspect and replay the dead-letter queue.")
app.add_typer(streams_app, name="streams")
app.add_typer(dlq_app, name="dlq")
agencies_app = typer.Typer(no_args_is_help=True, help="Agencies allowed on the bus: their NATS users.")
app.add_typer(agencies_app, name="agencies")
training_app = typer.Typer(no_args_is_help=True, help="Ask the training service.")
app.add_typer(training_app, name="training")

console = Console()
errors = Console(stderr=True)

ServiceName = Enum("ServiceName", {name: name for name in SERVICES}, type=str)  # type: ignore[misc]

NatsUrl = Annotated[
    str,
    typer.Option("--nats-url", envvar="KAKEHASHI_NATS_URL", help="NATS server URL(s), comma-separated."),
]
NatsCreds = Annotated[
    Path | None,
    typer.Option("--creds", envvar="KAKEHASHI_NATS_CREDS", help="NATS credentials file.", exists=True),
]
NatsTlsCa = Annotated[
    Path | None,
    typer.Option("--tls-ca", envvar="KAKEHASHI_NATS_TLS_CA", help="CA certificate of the NATS servers.", exists=True),
]
DEFAULT_NATS = "nats://127.0.0.1:4222"

T = TypeVar("T")


@contextlib.asynccontextmanager
async def _jetstream(url: str, creds: Path | None, tls_ca: Path | None) -> AsyncIterator[JetStreamContext]:
    try:
        client: Client = await nats.connect(
            url.split(","),
            connect_timeout=5,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.5,
            allow_reconnect=False,
            error_cb=_quiet,
            user_credentials=str(creds) if creds else None,
            tls=tls_context(tls_ca),
        )
    except (OSError, nats.errors.Error) as error:
        errors.print(f"[red]error:[/] cannot reach NATS at {url}: {error or type(error).__name__}")
        raise typer.Exit(1) from None
    try:
        yield client.jetstream()
    finally:
        await client.close()


async def _quiet(_error: Exception) -> None:
    """The connection's errors reach the user once, as the command's own message."""


def _run(url: str, creds: Path | None, tls_ca: Path | None, work: Callable[[JetStreamContext], Awaitable[T]]) -> T:
    async def go() -> T:
        async with _jetstream(url, creds, tls_ca) as js:
            return await work(js)

    return asyncio.run(go())


@streams_app.command("apply")
def streams_apply(
    nats_url: NatsUrl = DEFAULT_NATS,
    creds: NatsCreds = None,
    tls_ca: NatsTlsCa = None,
    replicas: Annotated[int, typer.Option(min=1, max=5, help="Replicas per stream: 1, or 3 on a cluster.")] = 1,
    update: Annotated[bool, typer.Option(help="Overwrite live settings that differ (never done by default).")] = False,
) -> None:
    """Create the streams that are missing; report, never overwrite, live settings that differ."""
    reports = _run(nats_url, creds, tls_ca, lambda js: apply_streams(js, replicas=replicas, update=update))
    table = Table("stream", "outcome", "differences (live → wanted)")
    style = {"created": "green", "unchanged": "dim", "updated": "yellow", "tuned": "yellow", "incompatible": "red"}
    for report in reports:
        table.add_row(
            report.name,
            f"[{style[report.outcome]}]{report.outcome}[/]",
            "\n".join(f"{d.setting}: {d.live} → {d.wanted}" for d in report.differences),
        )
    console.print(table)
    if any(report.outcome == "tuned" for report in reports):
        console.print("Tuned limits were left as they are; pass --update to apply the defaults.")
    if any(report.outcome == "incompatible" for report in reports):
        errors.print(
            "[red]error:[/] some live streams differ in subjects, storage or retention, which Kakehashi relies on. "
            "Nothing was changed; fix them or pass --update."
        )
        raise typer.Exit(1)


@dlq_app.command("list")
def dlq_list(
    nats_url: NatsUrl = DEFAULT_NATS,
    creds: NatsCreds = None,
    tls_ca: NatsTlsCa = None,
    service: Annotated[ServiceName | None, typer.Option(help="Only this service's entries.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries, oldest first.")] = 50,
) -> None:
    """List dead-lettered events: id, when, which consumer, why."""
    entries = _run(
        nats_url,
        creds,
        tls_ca,
        lambda js: dead_letters.scan(js, service=service.value if service else None, limit=limit),
    )
    if not entries:
        console.print("The DLQ is empty.")
        return
    table = Table("id", "failed at (UTC)", "consumer", "subject", "event id", "kind", "reason")
    for entry in entries:
        table.add_row(
            str(entry.id),
            entry.failed_at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.consumer,
            entry.subject,
            entry.event_id or "—",
            entry.failure.kind,
            entry.failure.reason,
        )
    console.print(table)


@dlq_app.command("show")
def dlq_show(
    entry: Annotated[int, typer.Argument(help="The entry id from `dlq list`.")],
    nats_url: NatsUrl = DEFAULT_NATS,
    creds: NatsCreds = None,
    tls_ca: NatsTlsCa = None,
) -> None:
    """Show one entry: the failure field by field, the original headers and body."""
    letter = _read_or_exit(nats_url, creds, tls_ca, entry)
    console.print(f"[bold]DLQ entry {letter.id}[/] — {letter.failure.kind}: {letter.failure.reason}")
    console.print(f"consumer {letter.consumer} ({letter.service}), {letter.deliveries} deliveries")
    console.print(f"from {letter.stream} #{letter.stream_sequence} on {letter.subject}, failed {letter.failed_at}")
    for problem in letter.failure.problems:
        console.print(f"  • {problem.field}: {problem.problem}")
    console.print("[bold]headers[/]")
    for name, value in letter.headers.items():
        console.print(f"  {name}: {value}", markup=False)
    console.print("[bold]body[/]")
    try:
        console.print_json(letter.body.decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        console.print(repr(letter.body[:2000]), markup=False)


@dlq_app.command("replay")
def dlq_replay(
    entry: Annotated[int, typer.Argument(help="The entry id from `dlq list`.")],
    nats_url: NatsUrl = DEFAULT_NATS,
    creds: NatsCreds = None,
    tls_ca: NatsTlsCa = None,
) -> None:
    """Send an entry's event again to the consumer that failed it, and remove it from the DLQ.

    The replay is published on `collab.<in|service>._replay.<consumer>.…`, which no agency may publish to;
    run this as the NATS admin user (or any user allowed to publish there).
    """

    async def replay(js: JetStreamContext) -> tuple[dead_letters.DeadLetter, int]:
        letter, ack = await dead_letters.replay(js, entry)
        return letter, ack.seq

    try:
        letter, sequence = _run(nats_url, creds, tls_ca, replay)
    except LookupError as error:
        errors.print(f"[red]error:[/] {error}")
        raise typer.Exit(1) from None
    console.print(
        f"Replayed entry {entry} to {letter.subject} for {letter.consumer}: stored as {letter.stream} #{sequence}."
    )


def _read_or_exit(url: str, creds: Path | None, tls_ca: Path | None, entry: int) -> dead_letters.DeadLetter:
    try:
        return _run(url, creds, tls_ca, lambda js: dead_letters.read(js, entry))
    except LookupError as error:
        errors.print(f"[red]error:[/] {error}")
        raise typer.Exit(1) from None


NatsDir = Annotated[Path, typer.Option(help="Where agencies.toml and the generated accounts.conf live.")]


@agencies_app.command("add")
def agencies_add(
    name: Annotated[str, typer.Argument(help="The agency id, e.g. th-dip: lower-case letters, digits, hyphens.")],
    nats_dir: NatsDir = Path("deploy/nats"),
    secrets_dir: Annotated[
        Path, typer.Option(help="Where to write the agency's secret seed (hand it over, then delete it).")
    ] = Path("secrets"),
) -> None:
    """Create an agency's NATS user: an nkey that may publish only collab.in.<agency>.> and read its collab.out."""
    try:
        agency, seed_file = add_agency(name, nats_dir=nats_dir, secrets_dir=secrets_dir)
    except ValueError as error:
        errors.print(f"[red]error:[/] {error}")
        raise typer.Exit(1) from None
    console.print(f"Added agency [bold]{agency.name}[/] with public key {agency.nkey}.")
    console.print(f"Its secret seed is in {seed_file} (mode 600): give it to the agency over a safe channel.")
    console.print(f"{nats_dir / 'accounts.conf'} was regenerated; reload nats-server (`nats-server --signal reload`).")
    console.print(
        f"The agency connects with nkeys_seed={seed_file.name}, inbox_prefix=_INBOX_{agency.name}, publishes on "
        f"collab.in.{agency.name}.> and reads collab.out.{agency.name}.> through a consumer named {agency.name}."
    )


@agencies_app.command("list")
def agencies_list(nats_dir: NatsDir = Path("deploy/nats")) -> None:
    """The agencies in agencies.toml and their public keys."""
    agencies = read_registry(nats_dir / "agencies.toml")
    if not agencies:
        console.print(f"No agencies in {nats_dir / 'agencies.toml'}: add one with `kakehashi agencies add NAME`.")
        return
    table = Table("agency", "public nkey")
    for agency in agencies:
        table.add_row(agency.name, agency.nkey)
    console.print(table)


@training_app.command("credentials")
def training_credentials(
    mbox: Annotated[str | None, typer.Option(help="The learner's e-mail (mailto: may be left out).")] = None,
    learner_id: Annotated[str | None, typer.Option(help="The learner's id in the simple form.")] = None,
    account_home: Annotated[str | None, typer.Option(help="xAPI account: the system's home page.")] = None,
    account_name: Annotated[str | None, typer.Option(help="xAPI account: the learner's user id there.")] = None,
    company: Annotated[str | None, typer.Option(help="Only credentials earned at this company.")] = None,
    subject: Annotated[str, typer.Option(help="The training service's request subject.")] = (
        "kakehashi.api.training.credentials"
    ),
    nats_url: NatsUrl = DEFAULT_NATS,
    creds: NatsCreds = None,
    tls_ca: NatsTlsCa = None,
) -> None:
    """Print a learner's Open Badges 3.0 credentials, as the training service keeps them."""
    learner: dict[str, object] = {}
    if mbox:
        learner["mbox"] = mbox if mbox.startswith("mailto:") else f"mailto:{mbox}"
    if learner_id:
        learner["learner_id"] = learner_id
    if account_home or account_name:
        learner["account"] = {"homePage": account_home, "name": account_name}
    request: dict[str, object] = {"learner": learner}
    if company:
        request["company_id"] = company

    async def ask(js: JetStreamContext) -> bytes:
        reply = await js._nc.request(subject, json.dumps(request).encode(), timeout=10)
        return bytes(reply.data)

    try:
        answer = json.loads(_run(nats_url, creds, tls_ca, ask))
    except nats.errors.NoRespondersError:
        errors.print(f"[red]error:[/] nothing answers on {subject}: is the training service running?")
        raise typer.Exit(1) from None
    if isinstance(answer, dict) and "error" in answer:
        errors.print(f"[red]error:[/] {answer['error']}", highlight=False)
        for problem in answer.get("problems", []):
            errors.print(f"  • {problem['field']}: {problem['problem']}", markup=False, highlight=False)
        raise typer.Exit(1)
    console.print_json(json.dumps(answer, ensure_ascii=False))


@app.command()
def publish(
    file: Annotated[Path, typer.Argument(help="A JSON file: a structured CloudEvent, or the data with --type.")],
    agency: Annotated[str, typer.Option("--as", help="The publishing agency, e.g. th-dip.")],
    event_type: Annotated[
        str | None, typer.Option("--type", help="The event type, if the file holds only data.")
    ] = None,
    subject: Annotated[str | None, typer.Option(help="ce-subject: the main entity's id.")] = None,
    nats_url: NatsUrl = DEFAULT_NATS,
    creds: NatsCreds = None,
    tls_ca: NatsTlsCa = None,
) -> None:
    """Check an event against its contract, then publish it as the agency and print where it was stored."""
    try:
        prepared = prepare(file, agency=agency, event_type=event_type, subject_id=subject)
    except PermanentError as error:
        errors.print(f"[red]error:[/] {error.reason}", highlight=False)
        for problem in error.problems:
            errors.print(f"  • {problem.field}: {problem.problem}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    message = prepared.message
    ack = _run(nats_url, creds, tls_ca, lambda js: publish_message(js, message, give_up_after=10.0))
    repeat = " (a repeat of an earlier publish: the stream kept the first)" if ack.duplicate else ""
    console.print(
        f"Published {prepared.contract.ce_type()} id {message.id} on {message.subject}: "
        f"stored in {ack.stream} as #{ack.seq}{repeat}.",
        highlight=False,
    )


@app.command()
def docs(
    port: Annotated[int, typer.Option(help="Port to serve on (0 = any free one).")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Serve the contracts as browsable HTML, with asyncapi.yaml and the JSON Schemas, rendered from the code."""
    serve_docs(host=host, port=port, console=console)


@app.command()
def run(service: Annotated[ServiceName, typer.Argument(help="The service to run.")]) -> None:
    """Run one service in the foreground, configured by the environment (same as `python -m services.<name>`)."""
    runpy.run_module(f"services.{service.value}", run_name="__main__", alter_sys=True)


@app.command()
def up(
    data_dir: Annotated[
        Path, typer.Option(envvar="KAKEHASHI_DATA_DIR", help="Where NATS and the SQLite files keep their data.")
    ] = Path("var"),
    nats_port: Annotated[
        int, typer.Option(envvar="KAKEHASHI_UP_NATS_PORT", help="Port of the embedded nats-server; 0 = any free.")
    ] = 4222,
    demo: Annotated[bool, typer.Option(help="Send the demo load and show what flows.")] = True,
    verbose: Annotated[bool, typer.Option(help="Show every log line of the services, not only warnings.")] = False,
) -> None:
    """Start everything on one machine: nats-server, the streams, an SMTP sink, all four services and a demo.

    Ctrl-C stops it all gracefully; the next run resumes from the data left in --data-dir.
    """
    raise typer.Exit(
        run_system(data_dir=data_dir.resolve(), nats_port=nats_port, console=console, demo=demo, verbose=verbose)
    )


def main() -> None:
    app()
