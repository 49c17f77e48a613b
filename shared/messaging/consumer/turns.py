"""The turns of an ordered subscription's replicas: only the one pinned to the durable's priority group fetches."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StatusCode

from shared.messaging.consumer.subscription import Policy

log = logging.getLogger(__package__)  # one logger name for all of the consumer's records

_GROUP = "kakehashi"
"""The priority group of an ordered subscription's durable: the replica pinned to it is the one that fetches."""
_PIN_ID = "Nats-Pin-Id"
_PIN_MISMATCH = "423"


@dataclass
class _PinnedConsumerConfig(ConsumerConfig):
    """A consumer configuration with a priority group, which nats-py 2.16 does not know of yet."""

    priority_groups: list[str] | None = None
    priority_policy: str | None = None
    priority_timeout: float | None = None

    def as_dict(self) -> dict[str, object]:
        result = super().as_dict()
        if self.priority_timeout is not None:
            result["priority_timeout"] = self._to_nanoseconds(self.priority_timeout)
        return result


class _TakingTurns:
    """How a `Consumer` fetches, and for an ordered subscription takes, keeps and hands over its turn."""

    durable: str
    stream: str
    ordered: bool
    _js: JetStreamContext
    _pull: JetStreamContext.PullSubscription
    _policy: Policy
    _pin: str | None
    _stopping: bool

    async def _unpin(self) -> None:
        """Give up this replica's turn, so a standby replica takes over now rather than after `pin_timeout`."""
        request = json.dumps({"group": _GROUP}).encode()
        try:
            await self._js._nc.request(f"$JS.API.CONSUMER.UNPIN.{self.stream}.{self.durable}", request, timeout=2.0)
        except (nats.errors.Error, TimeoutError) as error:
            log.warning("%s: could not hand over its turn (%r); a standby waits for it to lapse", self.durable, error)
        self._pin = None

    async def _fetch(self) -> list[Msg]:
        if not self.ordered:
            return await self._pull.fetch(self._policy.fetch_batch, timeout=self._policy.fetch_timeout)
        msgs = await self._fetch_in_turn()
        if any(msg.metadata.num_delivered > 1 for msg in msgs):
            msgs = await self._with_all_outstanding(msgs)
        return msgs

    async def _with_all_outstanding(self, msgs: list[Msg]) -> list[Msg]:
        """A batch holding redeliveries, completed with every event still unacknowledged, in stream order.

        The server redelivers what a replica left (it died, or stopped with events in hand) as their
        ack waits run out, not necessarily in stream order nor all at once; at most one batch of them
        is outstanding, so wait until all have come back before handling any. (It picks a new pinned
        replica only once the events in flight are settled or their ack wait has run out, so a standby
        taking over gets them before anything later.)
        """
        by_sequence = {msg.metadata.sequence.stream: msg for msg in msgs}
        while not self._stopping:
            info = await self._js.consumer_info(self.stream, self.durable)
            if len(by_sequence) >= info.num_ack_pending:
                break
            for msg in await self._fetch_in_turn():  # a later delivery replaces an earlier one
                by_sequence[msg.metadata.sequence.stream] = msg
        return [by_sequence[sequence] for sequence in sorted(by_sequence)]

    async def _fetch_in_turn(self) -> list[Msg]:
        """Fetch as a member of the ordered subscription's priority group: only the pinned replica gets events.

        As nats-py's fetch does: first what earlier requests left in the subscription, then a
        request that answers at once with what there is, then one that waits for the first event.
        """
        subscription = self._pull._sub
        msgs: list[Msg] = []
        while subscription.pending_msgs:  # what the last request brought after its fetch returned, in order
            self._take(await subscription.next_msg(timeout=1.0), msgs)
        if msgs:
            return msgs
        batch, timeout = self._policy.fetch_batch, self._policy.fetch_timeout
        for waiting in (False, True):
            request: dict[str, object] = {"batch": batch, "group": _GROUP}
            if waiting:
                request["expires"] = int(timeout * 1e9)
            else:
                request["no_wait"] = True
            if self._pin is not None:
                request["id"] = self._pin
            await self._js._nc.publish(self._pull._nms, json.dumps(request).encode(), reply=self._pull._deliver)
            while len(msgs) < batch:
                try:
                    msg = await subscription.next_msg(timeout=timeout + 0.5 if waiting else 2.0)
                except (nats.errors.TimeoutError, TimeoutError):
                    break
                if not self._take(msg, msgs) or (waiting and msgs):
                    break  # the request is over (no more events, expired, not our turn), or the first came
            if msgs:
                break
        return msgs

    def _take(self, msg: Msg, msgs: list[Msg]) -> bool:
        """Add an event to `msgs`, noting whose turn it is; False for a status that ends a request."""
        status = JetStreamContext.is_status_msg(msg)
        if status is None:
            pin = (msg.headers or {}).get(_PIN_ID)
            if pin and pin != self._pin:
                log.info("%s: this replica's turn now", self.durable)
                self._pin = pin
            msgs.append(msg)
            return True
        if status == StatusCode.CONTROL_MESSAGE:  # a heartbeat
            return True
        if status == _PIN_MISMATCH and self._pin is not None:
            log.warning("%s: lost its turn to another replica", self.durable)
            self._pin = None
        return False

    async def _renew_turn(self) -> None:
        """Tell the server this replica, busy with a batch, still has the turn: a request that can bring nothing."""
        if self._pin is None:
            return
        request = {"batch": 1, "max_bytes": 1, "no_wait": True, "group": _GROUP, "id": self._pin}
        # The answer (a 409, or a 423 had the turn lapsed) reaches the subscription; the next fetch reads it.
        await self._js._nc.publish(self._pull._nms, json.dumps(request).encode(), reply=self._pull._deliver)
