"""Durable JetStream consumers: fetch a batch, process it in one transaction, then settle every event.

Each event of a batch ends in exactly one of three ways:
- processed (or already processed, per the inbox): acknowledged after the commit;
- permanently bad (an envelope, contract or domain refusal, or the same id with other content):
  copied to the DLQ, its agency told on `collab.out.<agency>.rejected.v1`, then terminated;
- failed for a reason that may pass (database, broker, timeout, a bug): nak'ed with a growing
  delay, and dead-lettered once `max_deliver` deliveries are used up.

Why not FastStream's subscribers: measured here (nats-server 2.15.1, FastStream 0.7.8), its
batch pull subscriber holds a lone event for the whole fetch timeout (latency = timeout, or 17 %
of a core per idle consumer at a 20 ms timeout), and its per-message paths peaked at ~3,600
events/s with one commit per batch; a plain nats-py fetch loop does ~24,000/s with ~4 ms latency
and no idle cost. The loop runs on the FastStream broker's own connection.
"""

from shared.messaging.consumer.loop import Consumer
from shared.messaging.consumer.subscription import Handler, Handling, Policy, Route, Subscription, on, on_runs
from shared.messaging.consumer.unrouted import UnroutedEvents

__all__ = ["Consumer", "Handler", "Handling", "Policy", "Route", "Subscription", "UnroutedEvents", "on", "on_runs"]
