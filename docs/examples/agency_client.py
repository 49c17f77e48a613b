"""An agency's client for Kakehashi, written with plain nats-py (no Kakehashi code): publish, then read rejections.

    pip install nats-py nkeys
    python agency_client.py --nats-url tls://nats.kakehashi.example:4222 --nkey-seed th-dip.nk \\
        --agency th-dip --event profile.json [--event another.json …] [--wait 10]

Each event file holds {"type": "<ce-type>", "data": {…}} (see docs/contracts/examples/). The client sends
each as a CloudEvents 1.0 binary-mode message on collab.in.<agency>.<context>.<event>.vN, waits for
JetStream's acknowledgement (the event is then stored and will be processed), and afterwards reads
collab.out.<agency>.rejected.v1 for events Kakehashi refused, printing why, field by field.

Two rules come from the agency's NATS permissions: replies arrive on the inbox prefix _INBOX_<agency>,
and the agency reads its collab.out through one durable consumer named after itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig

Event = dict[str, Any]


def subject_for(event_type: str, agency: str) -> str:
    """collab.company.profile_submitted.v1 is sent on collab.in.<agency>.company.profile_submitted.v1."""
    prefix, rest = event_type.split(".", 1)
    return f"{prefix}.in.{agency}.{rest}"


def headers_for(event_type: str, agency: str, event_id: str, subject: str | None) -> dict[str, str]:
    headers = {
        "ce-specversion": "1.0",
        "ce-id": event_id,
        "ce-source": f"urn:collab:agency:{agency}",
        "ce-type": event_type,
        "ce-time": datetime.now(UTC).isoformat(),
        "content-type": "application/json",
        # JetStream drops a second message with the same id: resending after a timeout is safe.
        "Nats-Msg-Id": event_id,
    }
    if subject:
        headers["ce-subject"] = subject
    return headers


async def publish(js: JetStreamContext, agency: str, name: str, event: Event) -> str:
    event_type, data = event["type"], event["data"]
    event_id = event.get("id") or str(uuid.uuid4())
    subject = subject_for(event_type, agency)
    headers = headers_for(event_type, agency, event_id, event.get("subject") or data.get("company_id"))
    body = json.dumps(data, ensure_ascii=False).encode()
    for attempt in range(5):
        try:
            ack = await js.publish(subject, body, headers=headers, timeout=5)
            break
        except NatsTimeout:
            await asyncio.sleep(2**attempt)  # same Nats-Msg-Id: a repeat is dropped by the stream
    else:
        raise SystemExit(f"{name}: no acknowledgement from NATS; try again later")
    print(f"sent {name}: {event_type} id {event_id} -> {ack.stream} #{ack.seq}")
    return event_id


async def read_rejections(js: JetStreamContext, agency: str, wait: float) -> int:
    """Print the rejections waiting for this agency; the durable consumer remembers what was read."""
    await js.add_consumer(
        "COLLAB_OUT",
        ConsumerConfig(name=agency, durable_name=agency, filter_subject=f"collab.out.{agency}.rejected.v1"),
    )
    subscription = await js.pull_subscribe_bind(agency, stream="COLLAB_OUT")
    count = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while (remaining := deadline - loop.time()) > 0:
        try:
            messages = await subscription.fetch(50, timeout=min(remaining, 2))
        except (NatsTimeout, TimeoutError):  # nats-py raises either when nothing came in time
            continue
        for message in messages:
            notice = json.loads(message.data)
            print(f"REJECTED {notice['event_id']} ({notice['event_type']}): {notice['reason']}")
            for problem in notice["problems"]:
                print(f"  - {problem['field']}: {problem['problem']}")
            await message.ack()
            count += 1
    return count


async def run(arguments: argparse.Namespace, events: list[tuple[str, Event]]) -> None:
    client = await nats.connect(
        arguments.nats_url,
        nkeys_seed=arguments.nkey_seed,
        inbox_prefix=f"_INBOX_{arguments.agency}",
    )
    try:
        js = client.jetstream()
        for name, event in events:
            await publish(js, arguments.agency, name, event)
        rejected = await read_rejections(js, arguments.agency, arguments.wait)
        print(f"{rejected} rejection(s)")
    finally:
        await client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    parser.add_argument("--nkey-seed", help="the agency's nkey seed file (from `kakehashi agencies add`)")
    parser.add_argument("--agency", required=True, help="your agency id, e.g. th-dip")
    parser.add_argument("--event", action="append", default=[], type=Path, help="an event file to send")
    parser.add_argument("--wait", type=float, default=10, help="seconds to listen for rejections")
    arguments = parser.parse_args()
    events = [(path.name, json.loads(path.read_text(encoding="utf-8"))) for path in arguments.event]
    asyncio.run(run(arguments, events))
    return 0


if __name__ == "__main__":
    sys.exit(main())
