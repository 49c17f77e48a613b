"""Processes killed, scaled out and stopped under load: every effect still happens exactly once (issue 8: 1, 6, 7).

What "expected" means. Matching proposes to each submitted profile its best partners among the
companies it already holds, so the proposals depend on the order the profiles are handled in: the
same profiles in another order give another, equally valid set. A run's order is in the matching
database: every matching transaction (one fetched batch) takes the next revision under the matching
lock, whichever replica runs it, and handles its events in stream order. Replaying the profiles in
that order through matching's domain, in this process, gives the proposals a correct run makes; each
test checks that those, and only those, were made, announced and e-mailed to both sides, once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo

from services.matching.config import MatchingSettings
from services.matching.domain.index import CandidateIndex
from services.matching.domain.matches import match_id
from services.matching.domain.profiles import Vocabulary, read_profile
from services.matching.handlers import weights_from
from services.notify.channels.smtp import NOTIFICATION_HEADER
from shared.contracts.agency.company import ProfileSubmitted
from shared.contracts.agency.event import Attendee, EventPublished, RegistrationSubmitted
from shared.contracts.subjects import SERVICES
from shared.messaging.streams import apply_streams
from shared.reference import industries, regions
from shared.synthetic import agency_of, profiles
from shared.taxonomy import load_fields
from tests.support.system import System, as_agency, connect, eventually, publish_all, rows, scalar

SETTLE = 300.0
"""How long a pipeline may take to settle: generous, as other test runs may share the machine's two cores."""
GRACE = 60.0
"""How long a stopping service may take: its graceful timeout (20 s), with room for a busy machine."""

Proposal = tuple[str, str, str]
"""(match id, the company whose profile triggered it, its partner)."""
Notice = tuple[str, str, str | None]
"""(kind, the company told, the other company it is about)."""


# --- the load ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Load:
    """The profiles the agencies published and the stream sequence each got; matching's threshold for them.

    The threshold is higher than the default 0.3 so that the proposals stay a few hundred (2,000
    profiles at 0.3 give ~5,000, that is 10,000 e-mails to wait for); they still depend on the order.
    """

    threshold: float
    profiles: dict[str, ProfileSubmitted] = dataclasses.field(default_factory=dict)
    sequences: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def environment(self) -> dict[str, str]:
        return {"KAKEHASHI_MATCHING_THRESHOLD": str(self.threshold)}

    async def publish(self, js: JetStreamContext, batch: Iterable[ProfileSubmitted], *, window: int = 200) -> None:
        """Publish as their agencies do, up to `window` awaiting their PubAck."""
        slots = asyncio.Semaphore(window)

        async def one(profile: ProfileSubmitted) -> None:
            message = as_agency(profile, agency_of(profile))
            async with slots:
                ack = await js.publish(message.subject, message.body, headers=message.headers, timeout=30)
            self.sequences[profile.company_id] = ack.seq

        batch = list(batch)
        self.profiles.update((profile.company_id, profile) for profile in batch)
        await asyncio.gather(*(one(profile) for profile in batch))

    async def trickle(self, js: JetStreamContext, batch: Sequence[ProfileSubmitted], *, per_second: float) -> None:
        """Publish at a steady pace, as agencies do through the day, in groups of ten."""
        for start in range(0, len(batch), 10):
            await self.publish(js, batch[start : start + 10])
            await asyncio.sleep(10 / per_second)


def start(system: System, *services: str) -> None:
    """Start one process of each service (all four if none named) and wait, patiently: on a busy machine
    a service can take minutes to import, migrate and connect."""
    system.wait_ready(system.start(*services, wait=False), timeout=SETTLE)


async def stored_profiles(system: System) -> int:
    return int(await scalar(system.databases["matching"], "SELECT count(*) FROM matching_profiles"))


async def sent_mails(system: System) -> int:
    return len(system.sink.mails())


def at_least(count: Callable[[], Awaitable[int]], floor: int) -> Callable[[], Awaitable[bool]]:
    async def reached() -> bool:
        return await count() >= floor

    return reached


async def relayed(system: System, service: str) -> bool:
    """Every event the service committed is published: its outbox is empty."""
    return bool(await scalar(system.databases[service], "SELECT count(*) FROM outbox") == 0)


async def dead_letters(js: JetStreamContext) -> int:
    return int((await js.stream_info("DLQ")).state.messages)


async def drained(js: JetStreamContext, stream: str, durable: str) -> bool:
    """The durable consumer has handed out every event of its stream and had each settled."""
    info: ConsumerInfo = await js.consumer_info(stream, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def hand_out_again(js: JetStreamContext, stream: str, durable: str) -> None:
    """What JetStream does once the ack wait (60 s) of a dead consumer's unsettled events runs out, done now:
    it hands them out again. The restarted service puts its own ack wait back when it re-creates the consumer."""
    info = await js.consumer_info(stream, durable)
    await js.add_consumer(stream, dataclasses.replace(info.config, ack_wait=1.0))
    await asyncio.sleep(2.0)


# --- what a correct run did ----------------------------------------------------------------------


def proposals_in_order(handled: Sequence[ProfileSubmitted], threshold: float) -> set[Proposal]:
    """What matching proposes, with its default settings but `threshold`, handling `handled` in this order."""
    settings = MatchingSettings(threshold=threshold)
    vocabulary = Vocabulary(industries(), regions(), frozenset(load_fields(None).ids()))
    index = CandidateIndex(weights_from(settings), cross_border_only=settings.cross_border_only)
    proposed: set[Proposal] = set()
    pairs: set[str] = set()
    for profile in handled:
        company = read_profile(profile, agency=agency_of(profile), vocabulary=vocabulary)
        if not company.matchable:
            continue
        index.put(company)
        for found in index.search(company, k=settings.top_k, threshold=settings.threshold):
            pair = match_id(company.company_id, found.company.company_id)
            if pair not in pairs:
                pairs.add(pair)
                proposed.add((pair, company.company_id, found.company.company_id))
    return proposed


async def check_proposals(system: System, js: JetStreamContext, load: Load) -> set[Proposal]:
    """Once matching has settled every profile: each stored once, the expected proposals made and announced once."""
    await eventually(lambda: drained(js, "COLLAB_IN", "matching-agencies"), timeout=SETTLE, message="matching done")
    stored = await rows(system.databases["matching"], "SELECT company_id, revision FROM matching_profiles")
    assert sorted(company for company, _ in stored) == sorted(load.profiles), "every profile stored, once"
    order = sorted(stored, key=lambda row: (row[1], load.sequences[row[0]]))
    expected = proposals_in_order([load.profiles[company] for company, _ in order], load.threshold)

    made = await rows(
        system.databases["matching"], "SELECT match_id, company_a, company_b, status FROM matching_matches"
    )
    assert {status for *_, status in made} == {"proposed"}
    proposals = {(pair, a, b) for pair, a, b, _ in made}
    missing, extra = sorted(expected - proposals), sorted(proposals - expected)
    assert (len(missing), len(extra)) == (0, 0), f"proposals missing {missing[:3]}, extra {extra[:3]}"
    await eventually(lambda: relayed(system, "matching"), timeout=SETTLE, message="matching's outbox relayed")
    announced = (await js.stream_info("MATCHING", subjects_filter=">")).state.subjects or {}
    assert announced.get("collab.matching.match.proposed.v1") == len(expected), "each proposal announced once"
    return expected


def told_of(proposals: Iterable[Proposal]) -> Counter[Notice]:
    """Both sides of each proposal hear of it."""
    notices: Counter[Notice] = Counter()
    for _, a, b in proposals:
        notices.update([("match_proposed", a, b), ("match_proposed", b, a)])
    return notices


async def check_mails(system: System, load: Load, expected: Counter[Notice]) -> None:
    """Once notify has settled: one e-mail notification per expected notice, sent, and one e-mail for each."""
    notify = system.databases["notify"]
    count = sum(expected.values())

    async def all_sent() -> bool:
        sent = await scalar(notify, "SELECT count(*) FROM notify_notifications WHERE status = 'sent'")
        return bool(sent >= count and len(system.sink.mails()) >= sent)

    await eventually(all_sent, timeout=SETTLE, message=f"{count} notifications e-mailed")
    staged = await rows(
        notify, "SELECT notification_id, kind, channel, status, company_id, other_company_id FROM notify_notifications"
    )
    assert Counter((channel, status) for _, _, channel, status, _, _ in staged) == {("email", "sent"): count}
    assert Counter((kind, company, other) for _, kind, _, _, company, other in staged) == expected

    mails = system.sink.mails()
    told = {notification: company for notification, *_, company, _ in staged}
    assert len(mails) == len(staged), "one e-mail per notification"
    assert len({mail.message_id for mail in mails}) == len(mails), "no Message-ID twice"
    assert sorted(str(mail.message[NOTIFICATION_HEADER]) for mail in mails) == sorted(told)
    for mail in mails:
        contact = load.profiles[told[str(mail.message[NOTIFICATION_HEADER])]].contact
        assert mail.recipients == (contact.email,)
        assert mail.language == contact.preferred_language


def processed_by(replica_metrics: str, consumer: str) -> float:
    """Events a replica's consumer processed, from its Prometheus counter."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in replica_metrics.splitlines()
        if line.startswith("kakehashi_events_total{")
        and f'consumer="{consumer}"' in line
        and 'outcome="processed"' in line
    )


# --- 1: matching killed ------------------------------------------------------------------------


async def test_matching_killed_a_third_into_2000_profiles_proposes_and_mails_each_expected_match_once(
    system: System,
) -> None:
    client = await connect(system.nats_url)
    js = client.jetstream()
    await apply_streams(js)
    load = Load(threshold=0.72)
    system.env.update(load.environment)
    start(system)
    await load.publish(js, profiles(2000, seed=11))

    await eventually(
        at_least(lambda: stored_profiles(system), 2000 // 3),
        timeout=SETTLE,
        interval=0.1,
        message="a third of the profiles stored",
    )
    system.kill("matching", signal.SIGKILL)
    assert await stored_profiles(system) < 2000, "killed before the end"
    assert (await js.consumer_info("COLLAB_IN", "matching-agencies")).num_ack_pending, "killed with events in hand"
    await hand_out_again(js, "COLLAB_IN", "matching-agencies")
    start(system, "matching")

    proposals = await check_proposals(system, js, load)
    assert len(proposals) > 300
    await check_mails(system, load, told_of(proposals))
    assert await dead_letters(js) == 0
    assert system.crashed() == [], system.logs()
    await client.close()


# --- 6: two replicas of everything ---------------------------------------------------------------


def seminar(now: datetime, capacity: int) -> EventPublished:
    starts = now + timedelta(days=30)
    return EventPublished.model_validate(
        {
            "event_id": "ev-cold-chain-seminar",
            "revision": 1,
            "kind": "seminar",
            "title": {"en": "Cold chain logistics for seafood exporters", "ja": "水産物輸出のコールドチェーン"},
            "format": "online",
            "online_url": "https://meet.example.org/cold-chain",
            "timezone": "Asia/Bangkok",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
            "capacity": capacity,
            "registration_opens_at": (now - timedelta(days=1)).isoformat(),
            "registration_closes_at": (starts - timedelta(days=1)).isoformat(),
            "fields": ["logistics_cold_chain"],
        }
    )


def registration(event: EventPublished, profile: ProfileSubmitted, now: datetime) -> RegistrationSubmitted:
    return RegistrationSubmitted(
        registration_id=f"reg-{profile.company_id}",
        event_id=event.event_id,
        company_id=profile.company_id,
        attendees=(
            Attendee(
                name=profile.contact.name,
                email=profile.contact.email,
                languages=(profile.contact.preferred_language,),
            ),
        ),
        submitted_at=now,
    )


async def test_two_replicas_of_every_service_do_everything_once(system: System) -> None:
    client = await connect(system.nats_url)
    js = client.jetstream()
    await apply_streams(js)
    load = Load(threshold=0.6)
    system.env.update(load.environment)
    system.env["KAKEHASHI_FETCH_BATCH"] = "50"  # many batches, so that a turn could change hands between them
    start(system)
    start(system)  # the second replica of each, in a second wave: eight processes at once overload two cores
    now = datetime.now(UTC)
    event = seminar(now, capacity=40)
    # Stored before its registrations come (they travel in one ordered subscription, so this is for the
    # test's own bookkeeping: the event must exist before its registrations are counted).
    await publish_all(js, [as_agency(event, "th-dip")])
    await eventually(
        lambda: scalar(system.databases["events"], "SELECT count(*) FROM events"),
        timeout=SETTLE,
        message="the seminar stored",
    )

    companies = list(profiles(500, seed=7))
    registering = companies[::5]
    await asyncio.gather(
        load.publish(js, companies),
        publish_all(js, [as_agency(registration(event, p, now), agency_of(p)) for p in registering]),
    )

    proposals = await check_proposals(system, js, load)
    await eventually(lambda: drained(js, "COLLAB_IN", "events-agencies"), timeout=SETTLE, message="events done")
    registrations = await rows(system.databases["events"], "SELECT company_id, status FROM registrations")
    assert sorted(company for company, _ in registrations) == sorted(p.company_id for p in registering)
    assert Counter(status for _, status in registrations) == {"confirmed": 40, "waitlisted": len(registering) - 40}
    notices = told_of(proposals) + Counter(
        (f"registration_{status}", company, None) for company, status in registrations
    )
    await check_mails(system, load, notices)
    assert await dead_letters(js) == 0

    for service in SERVICES:
        assert len(system.running(service)) == 2, f"both {service} replicas still up"
    # Ordered subscriptions: one replica at a time has the turn, the other stands by; between them, each
    # profile was handled once.
    handled = [processed_by(replica.metrics(), "matching-agencies") for replica in system.running("matching")]
    assert sum(handled) == len(companies), f"profiles handled by the two matching replicas: {handled}"
    assert system.crashed() == [], system.logs()
    await client.close()


# --- 7: everything stopped mid-stream ------------------------------------------------------------


async def unsettled(js: JetStreamContext) -> dict[str, int]:
    """Events handed to a durable consumer and neither acknowledged nor refused yet, by consumer."""
    found = {}
    for stream in await js.streams_info():
        assert stream.config.name is not None
        for consumer in await js.consumers_info(stream.config.name):
            if consumer.num_ack_pending:
                found[consumer.name] = consumer.num_ack_pending
    return found


async def test_every_service_stopped_mid_stream_exits_cleanly_and_resumes_losing_and_repeating_nothing(
    system: System,
) -> None:
    client = await connect(system.nats_url)
    js = client.jetstream()
    await apply_streams(js)
    load = Load(threshold=0.6)
    system.env.update(load.environment)
    start(system)
    companies = list(profiles(500, seed=7))
    await load.trickle(js, companies[:200], per_second=60)
    await eventually(at_least(lambda: sent_mails(system), 1), timeout=SETTLE, interval=0.1, message="mails flowing")
    await load.publish(js, companies[200:400])  # a burst: the signal finds matching with a batch in hand

    statuses = await asyncio.to_thread(system.stop, GRACE)
    assert statuses == {f"{service}-0": 0 for service in SERVICES}, system.logs()
    assert await unsettled(js) == {}, "every event in hand finished and settled"
    for service in SERVICES:
        assert await relayed(system, service), f"{service} published what it committed before it stopped"
    leased = "SELECT count(*) FROM notify_notifications WHERE claimed_by IS NOT NULL"
    assert await scalar(system.databases["notify"], leased) == 0, "every send under way recorded or released"

    await load.publish(js, companies[400:])  # the agencies keep publishing while the services are down
    start(system)
    proposals = await check_proposals(system, js, load)
    await check_mails(system, load, told_of(proposals))
    assert await dead_letters(js) == 0
    assert system.crashed() == [], system.logs()
    await client.close()
