"""Two replicas of the events service on one database, repeated cancellations, the turn handed over mid-way:
each free place is given once, in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

from nats.js import JetStreamContext

from shared.contracts.agency.event import RegistrationCancellationSubmitted
from shared.contracts.events import RegistrationCancelled, RegistrationPromoted, RegistrationWaitlisted
from shared.messaging import dlq
from tests.integration.events.builders import (
    a_cancellation,
    a_registration,
    again,
    an_event,
    emitted,
    from_agency,
    registrations,
    relayed,
    running,
    send,
    until_emitted,
)
from tests.support.infra import Broker

CAPACITY = 25
REGISTRANTS = 50


async def test_repeated_cancellations_on_two_replicas_handed_over_mid_way_promote_each_next_in_line_exactly_once(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    # One event per batch, so that the hand-over falls in the middle of the cancellations.
    handled: list[Counter[str]] = [Counter(), Counter()]
    async with contextlib.AsyncExitStack() as first_replica:
        first = await first_replica.enter_async_context(
            running(nats_server.url, database_url, handled=handled[0], fetch_batch=1)
        )
        await send(js, from_agency(an_event(capacity=CAPACITY)))
        await send(
            js, *(from_agency(a_registration(f"reg-{n:02d}", f"th-{n:013d}")) for n in range(1, REGISTRANTS + 1))
        )
        await until_emitted(js, RegistrationWaitlisted, REGISTRANTS - CAPACITY)
        line = sorted(
            (row for row in (await registrations(first)).values() if row.status == "waitlisted"),
            key=lambda row: row.sequence,
        )
        assert len(line) == REGISTRANTS - CAPACITY

        handled[0].clear()
        async with running(nats_server.url, database_url, handled=handled[1], fetch_batch=1) as second:
            # Every confirmed registration cancels, each cancellation sent twice under different event
            # ids and once more as a redelivery, from concurrent publishers. The first replica has the
            # turn (the subscription is ordered: the second stands by) until it stops, a few in.
            cancellations = [from_agency(a_cancellation(f"reg-{n:02d}")) for n in range(1, CAPACITY + 1)]
            copies = [again(message, same_id=False) for message in cancellations]
            redeliveries = [again(message, same_id=True) for message in cancellations]
            await asyncio.gather(send(js, *cancellations), send(js, *reversed(copies)), send(js, *redeliveries))
            await until_emitted(js, RegistrationPromoted, 1)
            await first_replica.aclose()
            await until_emitted(js, RegistrationPromoted, CAPACITY, timeout=60)
            await relayed(second)
            held = await registrations(second)

    cancelled = RegistrationCancellationSubmitted.ce_type()
    assert handled[0][cancelled] > 0, f"the first replica handled cancellations: {handled}"
    assert handled[1][cancelled] > 0, f"the second took over when the first stopped: {handled}"
    promoted = await emitted(js, RegistrationPromoted)
    assert sorted(event.registration_id for event in promoted) == sorted(row.registration_id for row in line[:CAPACITY])
    assert len(promoted) == CAPACITY, "each free place was given exactly once"
    assert len(await emitted(js, RegistrationCancelled)) == CAPACITY
    by_status = {
        status: sorted(r for r, row in held.items() if row.status == status) for status in ("confirmed", "waitlisted")
    }
    assert by_status["confirmed"] == sorted(row.registration_id for row in line[:CAPACITY])
    assert by_status["waitlisted"] == sorted(row.registration_id for row in line[CAPACITY:])
    # Places were given in line order: the order of promotion follows the order of the line.
    order = sorted(line[:CAPACITY], key=lambda row: (held[row.registration_id].confirmed_at, row.sequence))
    assert [row.registration_id for row in order] == [row.registration_id for row in line[:CAPACITY]]
    assert await dlq.scan(js) == []
