"""Infrastructure failing under load: the pipeline completes, nothing lost, nothing done twice.

The broker is killed and restarted, a cluster node is lost, the database goes away for half a minute, each
while agencies publish profiles. Then matching must hold every profile and propose each pair once, and the
SMTP server must have received each proposal's two e-mails exactly once: the tests read the databases and
the mail the server received, not the services' logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nats.errors
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError, ServiceUnavailableError
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from shared.contracts.agency.company import ProfileSubmitted
from shared.contracts.matching import MatchProposed
from shared.contracts.subjects import SERVICES
from shared.messaging import dlq
from shared.messaging.envelope import NATS_MSG_ID, OutgoingMessage
from shared.messaging.streams import STREAMS, apply_streams
from shared.runtime.mailsink import MailSink
from shared.runtime.natsd import NatsCluster
from shared.synthetic import agency_of, profiles
from tests.support.infra import Broker
from tests.support.proxy import TcpProxy
from tests.support.system import Replica, System, as_agency, connect, eventually, rows, scalar

PROFILES = 90
SEED = 3
SETTLE_TIMEOUT = 180.0
OUTAGE = 25.0
"""How long PostgreSQL stays away."""
MAX_RETRIES_PER_EVENT = 8
"""Consumers nak a failed event with a doubling delay (`KAKEHASHI_RETRY_DELAY` 0.5 s, ±20 %), so a 25 s outage
holds at most six failed deliveries of one event; two more for the batch in hand when it began and the first after."""
MAX_KNOCKS_PER_SECOND = 2.0
"""Connection attempts a service (consumers, relay, timers) may make per second of the outage on average: a few
at first, then ever fewer. (A consumer fetching whatever came due, batch after failing batch, made about ten.)"""

pytestmark = pytest.mark.timeout(300)


@dataclass
class Agency:
    """Publishes as an agency's system does: one event at a time, each until acknowledged, again under its
    own `Nats-Msg-Id` when no acknowledgement came (JetStream drops the repeat if the first was stored)."""

    js: JetStreamContext
    acked: list[str] = field(default_factory=list)
    retries: int = 0
    repeats: int = 0
    """Retries that JetStream recognised as events it already had."""

    async def send(self, message: OutgoingMessage, *, give_up_after: float = 120.0) -> None:
        deadline = time.monotonic() + give_up_after
        while True:
            try:
                ack = await self.js.publish(message.subject, message.body, headers=message.headers, timeout=1.0)
            except (nats.errors.Error, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                self.retries += 1
                await asyncio.sleep(0.2)
                continue
            self.repeats += bool(ack.duplicate)
            self.acked.append(message.id)
            return

    async def until_acked(self, count: int, publishing: asyncio.Task[None]) -> None:
        """Wait until `count` events were acknowledged (`publishing` sends them)."""
        await eventually(lambda: len(self.acked) >= count or publishing.done(), timeout=60, message=f"{count} acked")
        if publishing.done():
            await publishing  # raises what stopped it

    async def send_all(self, messages: Sequence[OutgoingMessage], *, pause: float = 0.03) -> None:
        for message in messages:
            await self.send(message)
            await asyncio.sleep(pause)


def submissions() -> tuple[list[ProfileSubmitted], list[OutgoingMessage]]:
    companies = list(profiles(PROFILES, seed=SEED))
    return companies, [as_agency(company, agency_of(company)) for company in companies]


async def provision(url: str, *, replicas: int = 1) -> None:
    """`kakehashi streams apply`, retried while a new cluster is still electing its leaders."""

    async def apply() -> bool:
        client = await connect(url)
        try:
            await apply_streams(client.jetstream(), replicas=replicas)
        except (nats.errors.Error, TimeoutError):
            return False
        finally:
            await client.close()
        return True

    await eventually(apply, timeout=60, interval=1, message="streams provisioned")


async def stored_ids(js: JetStreamContext, stream: str) -> list[str]:
    """The `Nats-Msg-Id` of every message the stream holds, in order."""
    info = await js.stream_info(stream)
    found = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        with contextlib.suppress(NotFoundError):
            message = await js.get_msg(stream, sequence)
            found.append((message.headers or {}).get(NATS_MSG_ID, ""))
    return found


async def unsettled(js: JetStreamContext, system: System, databases: Mapping[str, str]) -> list[str]:
    """What is still under way anywhere: undelivered or unacknowledged events, outbox rows, unsent e-mails."""
    work = []
    for spec in STREAMS:
        if spec.name == dlq.STREAM:
            continue
        for consumer in await js.consumers_info(spec.name):
            if consumer.num_pending or consumer.num_ack_pending:
                work.append(f"{consumer.name}: {consumer.num_pending} pending, {consumer.num_ack_pending} unacked")
    for service in SERVICES:
        if waiting := await scalar(databases[service], "SELECT count(*) FROM outbox"):
            work.append(f"{service} outbox: {waiting}")
    due = await scalar(databases["notify"], "SELECT count(*) FROM notify_notifications WHERE status = 'pending'")
    if due:
        work.append(f"notifications pending: {due}")
    sent = await scalar(
        databases["notify"], "SELECT count(*) FROM notify_notifications WHERE status = 'sent' AND channel = 'email'"
    )
    if sent != len(system.sink.mails()):
        work.append(f"{sent} e-mails recorded as sent, {len(system.sink.mails())} received")
    return work


async def progress(js: JetStreamContext, sink: MailSink) -> tuple[int, ...]:
    """Changes whenever anything moves: a message stored or acknowledged anywhere, an e-mail received."""
    marks = []
    for spec in STREAMS:
        marks.append((await js.stream_info(spec.name)).state.last_seq)
        marks.extend(
            consumer.ack_floor.stream_seq if consumer.ack_floor else 0
            for consumer in await js.consumers_info(spec.name)
        )
    return (*marks, len(sink.mails()))


async def wait_until_settled(js: JetStreamContext, system: System, databases: Mapping[str, str]) -> None:
    """Wait until nothing is under way, twice in a row with nothing moved in between (work moves from one
    place to the next while it is looked for)."""
    seen: list[tuple[int, ...]] = []

    async def settled() -> bool:
        try:
            if await unsettled(js, system, databases) or system.crashed():
                seen.clear()
                return False
            seen.append(await progress(js, system.sink))
        except (nats.errors.TimeoutError, TimeoutError, ServiceUnavailableError):
            seen.clear()  # a cluster that lost a node may not answer its API until it has elected leaders
            return False
        return len(seen) >= 2 and seen[-1] == seen[-2]

    try:
        await eventually(settled, timeout=SETTLE_TIMEOUT, interval=1, message="pipeline settled")
    except AssertionError as error:
        under_way = await unsettled(js, system, databases)
        raise AssertionError(f"{error}\nunder way: {under_way}\n{system.logs()}") from None


async def assert_completed_once(
    js: JetStreamContext, sink: MailSink, databases: Mapping[str, str], companies: Sequence[ProfileSubmitted]
) -> None:
    """Every profile stored, each pair proposed once, each proposal mailed once to each side, nothing dead-lettered."""
    stored = await rows(databases["matching"], "SELECT company_id FROM matching_profiles")
    assert sorted(company_id for (company_id,) in stored) == sorted(company.company_id for company in companies)

    matches = await rows(databases["matching"], "SELECT match_id, company_a, company_b FROM matching_matches")
    assert matches, "the profiles were chosen to match"
    assert len({frozenset((a, b)) for _, a, b in matches}) == len(matches), "a pair proposed twice"
    proposed = MatchProposed.route.address(None)
    info = await js.stream_info("MATCHING", subjects_filter=proposed)
    assert (info.state.subjects or {}).get(proposed) == len(matches), "a proposal published twice (or not at all)"

    notifications = await rows(
        databases["notify"],
        "SELECT notification_id, source_event_id, status, channel FROM notify_notifications "
        "WHERE source_event_type = :type",
        type=MatchProposed.ce_type(),
    )
    assert {status for _, _, status, _ in notifications} == {"sent"}
    assert {channel for _, _, _, channel in notifications} == {"email"}
    per_proposal = Counter(source for _, source, _, _ in notifications)
    assert len(per_proposal) == len(matches)
    assert set(per_proposal.values()) == {2}, "each side of each match is told once"

    mails = sink.mails()
    received = Counter(mail.message_id for mail in mails)
    assert [message_id for message_id, times in received.items() if times > 1] == [], "an e-mail sent twice"
    sent = await rows(
        databases["notify"],
        "SELECT notification_id FROM notify_notifications WHERE status = 'sent' AND channel = 'email'",
    )
    # The Message-ID is <notification id@domain>: one e-mail per notification recorded as sent, and no other.
    assert {message_id.strip("<>").split("@")[0] for message_id in received} == {nid for (nid,) in sent}

    dead = await js.stream_info(dlq.STREAM)
    assert dead.state.messages == 0, "an event was dead-lettered"


# --- scenario 2: the broker killed and restarted -----------------------------------------------------------


async def test_a_killed_and_restarted_nats_server_loses_no_acknowledged_event(
    system: System, nats_server: Broker
) -> None:
    await provision(system.nats_url)
    system.start()
    companies, messages = submissions()
    client = await connect(system.nats_url)
    js = client.jetstream()
    try:
        agency = Agency(js)
        publishing = asyncio.create_task(agency.send_all(messages))
        await agency.until_acked(PROFILES // 3, publishing)

        nats_server.kill()
        acked_before_kill = list(agency.acked)
        await asyncio.sleep(3)  # longer than a publish waits for its acknowledgement: the agency must retry
        await asyncio.to_thread(nats_server.start)
        await asyncio.wait_for(publishing, timeout=180)

        in_stream = await stored_ids(js, "COLLAB_IN")
        assert set(acked_before_kill) <= set(in_stream), "an event acknowledged before the kill was lost"
        assert sorted(in_stream) == sorted(message.id for message in messages), "stored once each"
        assert agency.retries > 0, "the kill should have left publishes unacknowledged"

        await wait_until_settled(js, system, system.databases)
        await assert_completed_once(js, system.sink, system.databases, companies)
        assert system.crashed() == []
    finally:
        await client.close()


# --- scenario 3: a node of a three-node cluster lost ---------------------------------------------------------


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    cluster = NatsCluster(tmp_path / "cluster")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def clustered_system(
    tmp_path: Path, nats_cluster: NatsCluster, service_databases: dict[str, str], mail_sink: MailSink
) -> Iterator[System]:
    """The services given every node's URL, as operators configure them for the cluster."""
    running = System(folder=tmp_path, nats_url=nats_cluster.url, databases=service_databases, sink=mail_sink)
    try:
        yield running
    finally:
        running.stop(timeout=30)


async def test_losing_a_cluster_node_loses_and_repeats_nothing(
    clustered_system: System, nats_cluster: NatsCluster
) -> None:
    system = clustered_system
    await provision(system.nats_url, replicas=3)
    system.start()
    companies, messages = submissions()
    client = await connect(system.nats_url)
    js = client.jetstream()
    try:
        agency = Agency(js)
        publishing = asyncio.create_task(agency.send_all(messages))
        await agency.until_acked(PROFILES // 3, publishing)

        # The node leading the inbound stream: its loss forces an election under load.
        leader = (await js.stream_info("COLLAB_IN")).cluster
        assert leader is not None
        assert leader.leader is not None
        victim = next(node for node in nats_cluster.nodes if node.name == leader.leader)
        victim.kill()
        acked_before_kill = list(agency.acked)
        await asyncio.wait_for(publishing, timeout=180)

        in_stream = await stored_ids(js, "COLLAB_IN")
        assert set(acked_before_kill) <= set(in_stream), "an event acknowledged before the kill was lost"
        assert sorted(in_stream) == sorted(message.id for message in messages), "stored once each"
        after = (await js.stream_info("COLLAB_IN")).cluster
        assert after is not None
        assert after.leader != victim.name

        await wait_until_settled(js, system, system.databases)
        await assert_completed_once(js, system.sink, system.databases, companies)
        assert system.crashed() == []
    finally:
        await client.close()


# --- scenario 4: PostgreSQL away for half a minute ----------------------------------------------------------


@pytest.fixture
def postgres_proxies(postgres_admin_url: str, service_databases: dict[str, str]) -> Iterator[dict[str, TcpProxy]]:
    """A proxy per service in front of the PostgreSQL server, to cut the services off without stopping the server
    (which others share) and to count how often each knocks meanwhile."""
    server = make_url(postgres_admin_url)
    with contextlib.ExitStack() as stack:
        yield {
            service: stack.enter_context(TcpProxy(server.host or "127.0.0.1", server.port or 5432))
            for service in service_databases
        }


@pytest.fixture
def proxied_system(
    tmp_path: Path,
    nats_server: Broker,
    service_databases: dict[str, str],
    mail_sink: MailSink,
    postgres_proxies: dict[str, TcpProxy],
) -> Iterator[System]:
    """The services reach their databases through the proxies; the test reads them directly (`service_databases`)."""
    through_proxies = {
        service: make_url(url)
        .set(host="127.0.0.1", port=postgres_proxies[service].port)
        .render_as_string(hide_password=False)
        for service, url in service_databases.items()
    }
    running = System(folder=tmp_path, nats_url=nats_server.url, databases=through_proxies, sink=mail_sink)
    try:
        yield running
    finally:
        running.stop(timeout=30)


async def test_an_unavailable_database_is_ridden_out_with_backoff(
    proxied_system: System, postgres_proxies: dict[str, TcpProxy], service_databases: dict[str, str]
) -> None:
    system, proxies = proxied_system, postgres_proxies
    await provision(system.nats_url)
    replicas = system.start()
    companies, messages = submissions()
    client = await connect(system.nats_url)
    js = client.jetstream()
    try:
        agency = Agency(js)
        publishing = asyncio.create_task(agency.send_all(messages))
        await agency.until_acked(PROFILES // 3, publishing)

        with contextlib.ExitStack() as outage:
            for proxy in proxies.values():
                outage.enter_context(proxy.outage())
            began = time.monotonic()
            await asyncio.wait_for(publishing, timeout=60)  # the broker still takes the agencies' events

            await eventually(none_ready(replicas), timeout=OUTAGE - 5, message="every replica reporting not ready")
            await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - began)))
            knocks = {service: proxy.refused for service, proxy in proxies.items()}
            lasted = time.monotonic() - began

        await eventually(all_ready(replicas), timeout=60, message="every replica ready again")
        await wait_until_settled(js, system, service_databases)
        await assert_completed_once(js, system.sink, service_databases, companies)
        assert system.crashed() == []

        # The handlers backed off: each event was retried a few times over the outage, never in a burst,
        # and none used up its deliveries (the DLQ is empty, checked above).
        matching = next(replica for replica in replicas if replica.service == "matching")
        retried = matching.counter("kakehashi_events_total", consumer="matching-agencies", outcome="retried")
        # No profile was processed twice. A batch whose commit went through while the outage cut off the reply
        # counts as duplicates when retried, as does any redelivery of an event already processed.
        processed, duplicate = (
            matching.counter("kakehashi_events_total", consumer="matching-agencies", outcome=outcome)
            for outcome in ("processed", "duplicate")
        )
        assert processed <= PROFILES <= processed + duplicate, (processed, duplicate)
        # Its subscription is ordered: the event at the head of the line failed and was retried, the others waited.
        assert retried >= 1, "the event under way when the database went away failed and was retried"
        for replica in replicas:
            for consumer in _consumers(replica.metrics()):
                tried = replica.counter("kakehashi_events_total", consumer=consumer, outcome="retried")
                settled = sum(
                    replica.counter("kakehashi_events_total", consumer=consumer, outcome=outcome)
                    for outcome in ("processed", "duplicate", "skipped")
                )
                assert tried <= MAX_RETRIES_PER_EVENT * settled, (
                    f"{consumer}: {tried:.0f} retries, {settled:.0f} events"
                )
        # Nor did the services knock on the database all the while: consumers, relays, timers and notify's
        # dispatcher waited longer each time.
        for service in SERVICES:
            assert knocks[service] <= MAX_KNOCKS_PER_SECOND * lasted, (
                f"{service}: {knocks[service]} connection attempts"
            )
    finally:
        await client.close()


def none_ready(replicas: Sequence[Replica]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return not any(await asyncio.gather(*(asyncio.to_thread(replica.ready) for replica in replicas)))

    return check


def all_ready(replicas: Sequence[Replica]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return all(await asyncio.gather(*(asyncio.to_thread(replica.ready) for replica in replicas)))

    return check


def _consumers(metrics: str) -> set[str]:
    """The consumers a replica has counted events for."""
    return {
        sample.labels["consumer"]
        for family in text_string_to_metric_families(metrics)
        if family.name == "kakehashi_events"
        for sample in family.samples
    }
