"""`UnroutedEvents`: the catch-all consumer of inbound events that no subscription routes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.contracts.rejections import Problem
from shared.messaging import dlq
from shared.messaging.consumer.delivery import _Ack, _clip, _DeadLetter, _Delivery
from shared.messaging.consumer.loop import Consumer
from shared.messaging.consumer.subscription import Policy


class UnroutedEvents(Consumer):
    """Dead-letters the inbound events no subscription routes, and tells their agency why.

    An agency may publish anything under `collab.in.<agency>.>`, and the stream stores it all; an
    event on a subject no consumer filters (a version not or no longer accepted, a misspelt event)
    would otherwise lie there unread, with nobody told. This consumer reads all of `collab.in.>`
    and leaves alone every event a subscription routes: the subjects of all inbound contracts in
    `shared.contracts` (whichever service runs them, and whether it is running yet), the running
    service's own, and replays.

    Every service process runs it, on one shared durable (`kakehashi-unrouted`): the server hands
    each event to one of them, so the system needs no designated owner and keeps working while any
    service runs; the DLQ entry and the rejection take ids derived from the stored event, so a
    redelivery (a process died before acknowledging) is dropped by JetStream as a duplicate.
    """

    def __init__(
        self,
        *,
        service: str,
        routed: Sequence[str],
        js: JetStreamContext,
        policy: Policy,
    ) -> None:
        self.service = service
        self.durable = dlq.UNROUTED
        self.stream = "COLLAB_IN"
        self.ordered = False
        self._routed = tuple(subject_filter.split(".") for subject_filter in sorted(set(routed)))
        self._js = js
        self._policy = policy
        self._task = None
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._pin = None
        self._uncommitted = 0

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            description="Inbound events no subscription routes: dead-lettered, their agency told",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._policy.ack_wait,
            max_deliver=self._policy.max_deliver + 1,
            max_ack_pending=max(1000, self._policy.fetch_batch * 4),
            filter_subject="collab.in.>",
        )

    def routes(self, subject: str) -> bool:
        """Whether some subscription takes events on `subject`."""
        if dlq.replayed(subject) is not None:
            return True
        tokens = subject.split(".")
        return any(_matches(subject_filter, tokens) for subject_filter in self._routed)

    async def handle(self, msgs: Sequence[Msg]) -> None:
        deliveries = []
        for msg in msgs:
            metadata = msg.metadata
            delivery = _Delivery(msg, metadata.num_delivered, metadata.sequence.stream, subject=msg.subject)
            if self.routes(msg.subject):
                delivery.outcome = _Ack("routed")
            else:
                delivery.outcome = _DeadLetter(
                    dlq.Failure(
                        "permanent",
                        f"No service takes events on {_clip(msg.subject, 200)}: an unknown event or version.",
                        (
                            Problem(
                                field="subject",
                                problem="not the subject of any accepted contract and version; "
                                "see the contracts' AsyncAPI document for those",
                            ),
                        ),
                    )
                )
            deliveries.append(delivery)
        await self._settle(deliveries)


def _matches(subject_filter: Sequence[str], tokens: Sequence[str]) -> bool:
    """NATS subject matching: `*` is one token, a final `>` one or more."""
    for position, token in enumerate(subject_filter):
        if token == ">":
            return len(tokens) > position
        if position >= len(tokens) or (token != "*" and token != tokens[position]):
            return False
    return len(tokens) == len(subject_filter)
