"""The messaging core's conformance suite, after Watermill's universal Pub/Sub tests, on a real nats-server.

Every test runs the real service runtime (`shared.runtime.service.Service`): FastStream broker,
durable pull consumers, inbox and outbox in a real database, DLQ stream.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable

import pytest
from nats.js import JetStreamContext

from shared.messaging import dlq
from shared.messaging.consumer import Subscription, on
from shared.messaging.envelope import CE_ID, NATS_MSG_ID, Event, OutgoingMessage
from shared.messaging.publisher import publish
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service
from tests.support.infra import Broker
from tests.support.probe import (
    Probe,
    ProbeNoted,
    ProbeRecorded,
    create_effects_table,
    effects,
    eventually,
    probe_event,
    probe_service,
    probe_settings,
    publish_in_order,
    running,
    stored,
    with_headers,
)

ServiceFactory = Callable[..., "asyncio.Future[Service]"]


async def test_100_events_arrive_with_id_body_and_cloudevents_headers(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes")
    sent = [
        with_headers(
            probe_event(f"p-{n}", note=f"note {n} สวัสดี 三重", count=n),
            traceparent=f"00-{n:032x}-{n:016x}-01",
        )
        for n in range(1, 101)
    ]
    async with running(probe_service(nats_server.url, database_url, probe)) as service:
        await publish_in_order(js, sent)

        async def all_recorded() -> bool:
            return len(await effects(service)) == 100

        await eventually(all_recorded, what="100 effects")
    assert set(probe.seen) == {message.id for message in sent}
    for message in sent:
        event = probe.seen[message.id]
        assert event.source == message.headers["ce-source"] == "urn:collab:agency:th-dip"
        assert event.type == message.headers["ce-type"] == "collab.probe.recorded.v1"
        assert event.subject == message.headers["ce-subject"]
        assert event.time is not None
        assert event.time.isoformat().startswith(message.headers["ce-time"][:19])
        assert event.traceparent == message.headers["traceparent"]
        assert event.agency == "th-dip"
        assert event.data.model_dump() == json.loads(message.body)


async def test_5000_events_from_50_concurrent_publishers_each_take_effect_once(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes")
    batches = [[probe_event(f"p-{publisher}-{n}") for n in range(100)] for publisher in range(50)]
    async with running(probe_service(nats_server.url, database_url, probe)) as service:
        await asyncio.gather(*(publish_in_order(js, batch) for batch in batches))

        async def all_recorded() -> bool:
            return sum((await effects(service)).values()) >= 5000

        await eventually(all_recorded, timeout=120, what="5,000 effects")
        counted = await effects(service)
    assert set(counted) == {message.id for batch in batches for message in batch}
    assert set(counted.values()) == {1}
    noted = await stored(js, "MATCHING", "collab.matching.probe.noted.v1")
    assert len(noted) == 5000, "each recorded probe emits exactly one event through the outbox"


async def test_handler_failing_twice_transiently_then_succeeding_takes_effect_once(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes", transient_failures={"flaky": 2})
    flaky = probe_event("flaky")
    async with running(probe_service(nats_server.url, database_url, probe)) as service:
        await publish(js, flaky)

        async def recorded() -> bool:
            return flaky.id in await effects(service)

        await eventually(recorded, what="the flaky event's effect")
        await asyncio.sleep(0.5)  # time for a wrong extra delivery to show
        assert await effects(service) == {flaky.id: 1}
    assert probe.calls["flaky"] == 3
    assert await dlq.scan(js) == []


async def test_an_always_failing_event_is_dead_lettered_after_max_deliver_and_the_events_behind_it_go_on(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes", always_failing={"stuck"})
    stuck = probe_event("stuck")
    others = [probe_event(f"p-{n}") for n in range(20)]
    service = probe_service(nats_server.url, database_url, probe, max_deliver=3)
    async with running(service):
        await publish_in_order(js, [others[0], stuck, *others[1:]])

        async def dead_lettered() -> bool:
            return len(await dlq.scan(js)) == 1

        await eventually(dead_lettered, what="the stuck event in the DLQ")

        async def the_others_processed() -> bool:  # held behind it (ordered), they run once it is dead-lettered
            return set(await effects(service)) == {message.id for message in others}

        await eventually(the_others_processed, what="every other event processed")
    [letter] = await dlq.scan(js)
    assert letter.event_id == stuck.id
    assert letter.failure.kind == "exhausted"
    assert letter.deliveries == 3
    assert "simulated timeout" in letter.failure.reason
    assert probe.calls["stuck"] == 3
    assert await stored(js, "COLLAB_OUT") == [], "an exhausted retry is our problem, not the agency's"


def _bad_events() -> dict[str, OutgoingMessage]:
    good = probe_event("template")
    return {
        "invalid JSON": OutgoingMessage(good.subject, dict(good.headers, **{NATS_MSG_ID: "bad-1"}), b'{"probe_id": '),
        "schema violation": OutgoingMessage(
            good.subject,
            dict(good.headers, **{NATS_MSG_ID: "bad-2", CE_ID: "bad-2"}),
            json.dumps({"probe_id": "x", "note": "n", "count": "many"}).encode(),
        ),
        "unknown ce-type": with_headers(probe_event("t", event_id="bad-3"), ce_type="collab.probe.unheard_of.v1"),
        "missing ce-id": with_headers(probe_event("t"), ce_id=None, Nats_Msg_Id="bad-4"),
        "oversized body": OutgoingMessage(
            good.subject,
            dict(good.headers, **{NATS_MSG_ID: "bad-5", CE_ID: "bad-5"}),
            json.dumps({"probe_id": "x", "note": "n", "count": 1, "padding": "x" * 300_000}).encode(),
        ),
        "spoofed ce-source": with_headers(probe_event("t", event_id="bad-6"), ce_source="urn:collab:agency:jp-mie"),
    }


async def test_permanently_bad_events_are_dead_lettered_on_first_delivery_and_good_ones_behind_them_processed(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes")
    bad = _bad_events()
    good = [probe_event(f"good-{n}") for n in range(10)]
    async with running(probe_service(nats_server.url, database_url, probe)) as service:
        await publish(js, good[0])
        await publish_in_order(js, list(bad.values()))
        await publish_in_order(js, good[1:])

        async def settled() -> bool:
            return len(await effects(service)) == 10 and len(await dlq.scan(js)) == len(bad)

        await eventually(settled, what="10 effects and 6 dead letters")
    letters = {letter.headers.get(NATS_MSG_ID): letter for letter in await dlq.scan(js)}
    assert set(letters) == {message.id for message in bad.values()}
    for letter in letters.values():
        assert letter.deliveries == 1
        assert letter.failure.kind == "permanent"
        assert letter.consumer == "matching-probes"
    reasons = {name: letters[message.id].failure for name, message in bad.items()}
    assert reasons["invalid JSON"].problems[0].field == "body"
    assert "not valid JSON" in reasons["invalid JSON"].reason
    assert [p.field for p in reasons["schema violation"].problems] == ["count"]
    assert "valid integer" in reasons["schema violation"].problems[0].problem
    assert reasons["unknown ce-type"].problems[0].field == "ce-type"
    assert [p.field for p in reasons["missing ce-id"].problems] == ["ce-id"]
    assert "300,0" in reasons["oversized body"].reason
    assert reasons["spoofed ce-source"].problems[0].field == "ce-source"
    # The dead letter keeps the original, byte for byte.
    assert letters["bad-1"].body == b'{"probe_id": '
    # The agency hears of each refusal, once, field by field, on its own subject.
    notices = await stored(js, "COLLAB_OUT", "collab.out.th-dip.rejected.v1")
    assert len(notices) == len(bad)
    schema = next(json.loads(n.data or b"") for n in notices if (n.headers or {}).get("ce-subject") == "bad-2")
    assert schema["problems"] == [
        {
            "field": "count",
            "problem": "Input should be a valid integer, unable to parse string as an integer (got 'many')",
        }
    ]
    assert schema["rejected_by"] == "matching"
    assert probe.calls.keys() == {f"good-{n}" for n in range(10)}


async def test_two_durables_each_get_everything_and_two_replicas_of_one_split_it_exactly_once(
    nats_server: Broker, js: JetStreamContext, database_url: str, another_database: Callable[[], str]
) -> None:
    notify_database = another_database()
    await create_effects_table(database_url)
    await create_effects_table(notify_database)
    replica_a, replica_b = Probe("matching-probes"), Probe("matching-probes")
    other = Probe("notify-probes", emit=False)
    sent = [probe_event(f"p-{n}") for n in range(1000)]
    # Unordered: replicas of an ordered subscription take turns rather than split the work.
    services = [
        probe_service(nats_server.url, database_url, replica_a, fetch_batch=25, ordered=False),
        probe_service(nats_server.url, database_url, replica_b, fetch_batch=25, ordered=False),
        probe_service(nats_server.url, notify_database, other, service="notify", fetch_batch=25, ordered=False),
    ]
    async with running(services[0]), running(services[1]), running(services[2]):
        await asyncio.gather(*(publish_in_order(js, sent[n::10]) for n in range(10)))

        async def all_recorded() -> bool:
            counted = sum((await effects(services[0])).values()) + sum((await effects(services[2])).values())
            return counted >= 2000

        await eventually(all_recorded, timeout=60, what="1,000 effects for each durable")
        await asyncio.sleep(0.5)
        matching = await effects(services[0], "matching-probes")
        notify = await effects(services[2], "notify-probes")
    everything = {message.id for message in sent}
    assert set(matching) == everything
    assert set(matching.values()) == {1}
    assert set(notify) == everything
    assert set(notify.values()) == {1}
    assert set(replica_a.seen) | set(replica_b.seen) == everything
    assert replica_a.seen, "both replicas took a share of the durable's work"
    assert replica_b.seen, "both replicas took a share of the durable's work"
    assert not set(replica_a.seen) & set(replica_b.seen)


async def test_nats_server_killed_and_restarted_mid_stream_loses_no_acknowledged_event(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes")
    sent = [probe_event(f"p-{n}") for n in range(1500)]
    acknowledged: list[str] = []

    async def publisher() -> None:
        for message in sent:
            await publish(js, message, timeout=2.0)
            acknowledged.append(message.id)

    async with running(probe_service(nats_server.url, database_url, probe)) as service:
        publishing = asyncio.create_task(publisher())
        await eventually(lambda: _at_least(acknowledged, 500), what="500 acknowledged publishes")
        nats_server.kill()
        await asyncio.sleep(1.0)
        nats_server.start()
        await asyncio.wait_for(publishing, 120)

        async def all_recorded() -> bool:
            return set(acknowledged) <= set(await effects(service))

        await eventually(all_recorded, timeout=90, what="every acknowledged event processed")
        counted = await effects(service)
    assert len(acknowledged) == len(sent)
    assert set(counted) == set(acknowledged)
    assert set(counted.values()) == {1}
    in_stream = [m.headers[CE_ID] for m in await stored(js, "COLLAB_IN") if m.headers]
    assert sorted(in_stream) == sorted(acknowledged), "every acknowledged event is stored once"


async def _at_least(items: list[str], count: int) -> bool:
    return len(items) >= count


async def test_same_id_again_is_one_effect_and_same_id_with_other_content_is_dead_lettered(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes")
    original = probe_event("p-1", note="first", event_id="evt-1")
    # A publisher retrying within JetStream's duplicate window: dropped by the stream itself.
    retried = original
    # The same event sent again later (outside the window): a new stream message, same ce-id.
    resent = with_headers(original, Nats_Msg_Id="evt-1-resent")
    changed = with_headers(probe_event("p-1", note="second", event_id="evt-1"), Nats_Msg_Id="evt-1-changed")
    async with running(probe_service(nats_server.url, database_url, probe)) as service:
        await publish(js, original)
        assert (await publish(js, retried)).duplicate
        await publish(js, resent)
        await publish(js, changed)

        async def settled() -> bool:
            return len(await dlq.scan(js)) == 1

        await eventually(settled, what="the changed event in the DLQ")
        assert await effects(service) == {"evt-1": 1}
    [letter] = await dlq.scan(js)
    assert letter.failure.kind == "permanent"
    assert "already processed with different content" in letter.failure.reason
    assert json.loads(letter.body)["note"] == "second"
    assert probe.calls["p-1"] == 1
    assert len(await stored(js, "COLLAB_OUT")) == 1


async def test_dlq_replay_redelivers_to_the_failed_consumer_once_the_cause_is_fixed(
    nats_server: Broker, js: JetStreamContext, database_url: str, another_database: Callable[[], str]
) -> None:
    notify_database = another_database()
    await create_effects_table(database_url)
    await create_effects_table(notify_database)
    refusing = Probe("matching-probes", refused={"p-7"})
    bystander = Probe("notify-probes", emit=False)
    event = probe_event("p-7")
    matching = probe_service(nats_server.url, database_url, refusing)
    notify = probe_service(nats_server.url, notify_database, bystander, service="notify")
    async with running(matching), running(notify):
        await publish(js, event)

        async def dead_lettered() -> bool:
            return len(await dlq.scan(js)) == 1

        await eventually(dead_lettered, what="the refused event in the DLQ")
        assert await effects(notify, "notify-probes") == {event.id: 1}
        [letter] = await dlq.scan(js)
        assert letter.consumer == "matching-probes"

        refusing.refused.clear()  # the cause is fixed
        await dlq.replay(js, letter.id)

        async def replayed() -> bool:
            return event.id in await effects(matching, "matching-probes")

        await eventually(replayed, what="the replayed event's effect")
        await asyncio.sleep(0.5)
        assert await effects(matching, "matching-probes") == {event.id: 1}
        assert await effects(notify, "notify-probes") == {event.id: 1}, "the bystander does not run it again"
    assert await dlq.scan(js) == []
    assert bystander.calls["p-7"] == 1
    [_, replay] = await stored(js, "COLLAB_IN")
    assert replay.subject == "collab.in._replay.matching-probes.th-dip.probe.recorded.v1"


async def test_an_agency_cannot_steer_consumers_with_kakehashi_headers(
    nats_server: Broker, js: JetStreamContext, database_url: str, another_database: Callable[[], str]
) -> None:
    notify_database = another_database()
    await create_effects_table(database_url)
    await create_effects_table(notify_database)
    # What a replay once carried to keep every consumer but one away, and a forged dead-letter record.
    forged = with_headers(
        probe_event("p-8"),
        Kakehashi_Replay_For="notify-probes",
        Kakehashi_Dead_Letter='{"kind": "permanent"}',
        Kakehashi_Original_Nats_Rollup="all",
    )
    matching = probe_service(nats_server.url, database_url, Probe("matching-probes"))
    notify = probe_service(nats_server.url, notify_database, Probe("notify-probes", emit=False), service="notify")
    async with running(matching), running(notify):
        await publish(js, forged)

        async def both_processed() -> bool:
            return forged.id in await effects(matching, "matching-probes") and forged.id in await effects(
                notify, "notify-probes"
            )

        await eventually(both_processed, what="the event processed by both consumers")
    assert await dlq.scan(js) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_stopping_service_finishes_its_batch_and_publishes_what_it_emitted(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes")
    sent = [probe_event(f"p-{n}") for n in range(300)]
    service = probe_service(nats_server.url, database_url, probe)
    await service.start()
    await publish_in_order(js, sent)
    await eventually(lambda: _has_effects(service), what="processing under way")
    await service.stop()
    done = await _count_effects(database_url)
    noted = await stored(js, "MATCHING")
    assert len(noted) == done, "every committed batch's events were relayed before the service stopped"

    restarted = probe_service(nats_server.url, database_url, Probe("matching-probes"))
    async with running(restarted):

        async def all_recorded() -> bool:
            return len(await effects(restarted)) == 300

        await eventually(all_recorded, what="the rest processed after restart")
        assert set((await effects(restarted)).values()) == {1}
    assert len(await stored(js, "MATCHING")) == 300


async def _has_effects(service: Service) -> bool:
    return len(await effects(service)) > 0


async def _count_effects(database_url: str) -> int:
    from sqlalchemy import func, select

    from shared.storage import create_engine
    from tests.support.probe import Effect

    engine = create_engine(database_url)
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(Effect))
    await engine.dispose()
    return int(count or 0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_work_outside_any_event_is_committed_and_relayed_at_once(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    service = probe_service(nats_server.url, database_url, Probe("matching-probes"))
    async with running(service):
        async with service.transaction() as tx:
            emitted = tx.emit(ProbeNoted(probe_id="timer-1"), subject_id="timer-1")

        async def relayed() -> bool:
            return len(await stored(js, "MATCHING")) == 1

        await eventually(relayed, timeout=0.9, interval=0.02, what="the event relayed before the next poll")
    [message] = await stored(js, "MATCHING")
    assert message.headers is not None
    assert message.headers["ce-id"] == emitted.id


async def test_a_batch_longer_than_the_ack_wait_is_not_redelivered_to_another_replica_meanwhile(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probes = [Probe("matching-probes"), Probe("matching-probes")]

    def slow_replica(probe: Probe) -> Service:
        async def slow(event: Event[ProbeRecorded], tx: Transaction) -> None:
            await asyncio.sleep(1.0)
            await probe.record(event, tx)

        service = Service(
            "matching",
            probe_settings(nats_server.url, database_url),
            subscriptions=[Subscription("probes", (on(ProbeRecorded, slow),))],
        )
        service.policy = dataclasses.replace(service.policy, ack_wait=1.0)
        return service

    sent = [probe_event(f"p-{n}") for n in range(3)]
    await publish_in_order(js, sent)
    first, second = slow_replica(probes[0]), slow_replica(probes[1])
    async with running(first):
        await eventually(lambda: _started(probes[0]), what="the first replica at work")
        async with running(second):  # idle, fetching: it would get whatever the server redelivers

            async def all_recorded() -> bool:
                return len(await effects(first)) == 3

            await eventually(all_recorded, what="three slow effects")
            info = await js.consumer_info("COLLAB_IN", "matching-probes")
    assert probes[0].calls == {"p-0": 1, "p-1": 1, "p-2": 1}, "one replica ran the 3 s batch"
    assert not probes[1].calls
    assert info.num_redelivered == 0


async def _started(probe: Probe) -> bool:
    return bool(probe.calls)
