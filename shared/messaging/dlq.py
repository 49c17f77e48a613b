"""The dead-letter queue: events no consumer could process, kept whole, listed, shown and replayed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from nats.js import JetStreamContext
from nats.js.api import PubAck, RawStreamMsg
from nats.js.errors import NotFoundError

from shared.contracts.rejections import Problem
from shared.messaging.envelope import CE_ID, NATS_MSG_ID, OutgoingMessage, header_map
from shared.messaging.publisher import publish

STREAM = "DLQ"
DEAD_LETTER = "Kakehashi-Dead-Letter"
"""The header carrying what went wrong, as ASCII JSON (header values must be single-line ASCII)."""
REPLAY = "_replay"
"""The subject token of replays: `collab.in._replay.<consumer>.<agency>.…` is `collab.in.<agency>.…` again, for
that one consumer. No agency id starts with `_`, so no agency may publish there; only operators (the CLI's
NATS user) and, on their own streams, services can."""
UNROUTED = "kakehashi-unrouted"
"""The consumer that dead-letters inbound events no subscription routes (`shared.messaging.unrouted`)."""
_INTERNAL = "kakehashi-"
"""Headers Kakehashi writes itself. One an event arrives with is kept, under `_KEPT_AS`, as data: it decides nothing."""
_MAX_PROBLEMS = 50
_MAX_TEXT = 500
_JETSTREAM = "nats-"
"""Headers JetStream acts on when a message is published (`Nats-Expected-Stream`, `Nats-Rollup`, `Nats-TTL`, …)."""
_KEPT_AS = "Kakehashi-Original-"
"""An event's own `Nats-*` headers are kept under this prefix: as they are, the DLQ stream would act on them
(and refuse most), so the dead letter could never be written."""
_HEADERS_BUDGET = 40 * 1024
"""What the original headers may take of the 64 KiB JetStream allows a message's headers; the record is smaller."""
_RECORD_BUDGET = 16 * 1024
_CLIPPED = 200

Kind = Literal["permanent", "exhausted"]


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an event was dead-lettered."""

    kind: Kind
    reason: str
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An entry of the DLQ stream, as `kakehashi dlq` shows it."""

    id: int
    """Its sequence in the DLQ stream: what `dlq show` and `dlq replay` take."""
    service: str
    consumer: str
    subject: str
    stream: str
    stream_sequence: int
    deliveries: int
    failed_at: datetime
    failure: Failure
    headers: dict[str, str]
    """The original headers, as they arrived."""
    body: bytes
    """The original body, byte for byte."""

    @property
    def event_id(self) -> str | None:
        return header_map(self.headers).get(CE_ID)


def dead_letter(
    *,
    service: str,
    consumer: str,
    subject: str,
    headers: Mapping[str, str] | None,
    body: bytes,
    stream: str,
    stream_sequence: int,
    deliveries: int,
    failure: Failure,
) -> OutgoingMessage:
    """The DLQ message for an event: original headers and body, plus what went wrong."""
    original = {
        (_KEPT_AS + name if name.lower().startswith((_JETSTREAM, _INTERNAL)) else name): value
        for name, value in (headers or {}).items()
        if name.lower() != NATS_MSG_ID.lower()
    }
    clipped = _fit(original)
    record = {
        "service": service,
        "consumer": consumer,
        "subject": subject,
        "stream": stream,
        "stream_sequence": stream_sequence,
        "deliveries": deliveries,
        "failed_at": datetime.now(UTC).isoformat(),
        "kind": failure.kind,
        "reason": _clip(failure.reason),
        "problems": [{"field": _clip(p.field), "problem": _clip(p.problem)} for p in failure.problems[:_MAX_PROBLEMS]],
        "original_msg_id": _clip((headers or {}).get(NATS_MSG_ID) or "") or None,
        "clipped_headers": clipped,
    }
    return OutgoingMessage(
        subject=f"collab.dlq.{service}",
        headers={
            **original,
            DEAD_LETTER: _record_json(record),
            # One entry per (consumer, stored event): a consumer that dies before settling
            # dead-letters again on redelivery, and JetStream drops the repeat.
            NATS_MSG_ID: f"dlq:{consumer}:{stream}:{stream_sequence}",
        },
        body=body,
    )


def _fit(headers: dict[str, str]) -> list[str]:
    """Make `headers` fit `_HEADERS_BUDGET`: clip the longest values first, then drop the largest headers.

    Values that long (or that many headers) were the event's problem, not something to keep whole; the
    names of the headers changed are returned for the record.
    """

    def line(name: str) -> int:
        return len(name.encode()) + len(headers[name].encode()) + 4

    size = sum(line(name) for name in headers)
    changed = []
    for name in sorted(headers, key=line, reverse=True):
        if size <= _HEADERS_BUDGET or len(headers[name]) <= _CLIPPED:
            break
        size -= line(name)
        headers[name] = f"{headers[name][:_CLIPPED]}…"
        size += line(name)
        changed.append(name)
    for name in sorted(headers, key=line, reverse=True):
        if size <= _HEADERS_BUDGET:
            break
        size -= line(name)
        del headers[name]
        changed.append(name)
    return [name[:100] for name in dict.fromkeys(changed)][:20]


def _record_json(record: dict[str, object]) -> str:
    """The record as a header value, its problems cut short should they not fit `_RECORD_BUDGET`."""
    text = json.dumps(record, ensure_ascii=True)
    problems = record["problems"]
    assert isinstance(problems, list)
    while len(text) > _RECORD_BUDGET and problems:
        del problems[len(problems) // 2 :]
        text = json.dumps(record, ensure_ascii=True)
    return text


def _read(raw: RawStreamMsg) -> DeadLetter:
    stored = dict(raw.headers or {})
    record = json.loads(stored.pop(DEAD_LETTER))
    stored.pop(NATS_MSG_ID, None)
    headers = {name.removeprefix(_KEPT_AS): value for name, value in stored.items()}
    if record.get("original_msg_id"):
        headers[NATS_MSG_ID] = record["original_msg_id"]
    assert raw.seq is not None
    return DeadLetter(
        id=raw.seq,
        service=record["service"],
        consumer=record["consumer"],
        subject=record["subject"],
        stream=record["stream"],
        stream_sequence=record["stream_sequence"],
        deliveries=record["deliveries"],
        failed_at=datetime.fromisoformat(record["failed_at"]),
        failure=Failure(
            kind=record["kind"],
            reason=record["reason"],
            problems=tuple(Problem.model_validate(p) for p in record["problems"]),
        ),
        headers=headers,
        body=raw.data or b"",
    )


async def read(js: JetStreamContext, entry: int) -> DeadLetter:
    """One entry; raises `LookupError` when there is no such entry (or it was replayed)."""
    try:
        return _read(await js.get_msg(STREAM, seq=entry))
    except NotFoundError:
        raise LookupError(f"the DLQ has no entry {entry} (it may have been replayed or expired)") from None


async def scan(js: JetStreamContext, *, service: str | None = None, limit: int = 50) -> list[DeadLetter]:
    """Up to `limit` entries, oldest first, optionally of one service only."""
    subject = f"collab.dlq.{service}" if service else "collab.dlq.>"
    entries: list[DeadLetter] = []
    sequence = 1
    while len(entries) < limit:
        try:
            raw = await js.get_msg(STREAM, seq=sequence, subject=subject, next=True)
        except NotFoundError:
            break
        entries.append(_read(raw))
        assert raw.seq is not None
        sequence = raw.seq + 1
    return entries


def replay_subject(subject: str, consumer: str) -> str:
    """Where a replay of an event stored on `subject` goes so that only `consumer` gets it: same stream, own filter."""
    parts = subject.split(".")
    return ".".join([*parts[:2], REPLAY, consumer, *parts[2:]])


def replay_filter(subject_filter: str, consumer: str) -> str:
    """The filter for a consumer's replays: `collab.in.*.…` → `collab.in._replay.<consumer>.>`."""
    return ".".join([*subject_filter.split(".")[:2], REPLAY, consumer, ">"])


def replayed(subject: str) -> tuple[str, str] | None:
    """`(consumer, original subject)` for a replay subject; None for any other subject."""
    parts = subject.split(".")
    if len(parts) < 5 or parts[2] != REPLAY:
        return None
    return parts[3], ".".join([*parts[:2], *parts[4:]])


async def replay(js: JetStreamContext, entry: int) -> tuple[DeadLetter, PubAck]:
    """Publish the entry's event again, for its consumer only, then remove the entry.

    The replay goes to `replay_subject` (in the stream the event came from), which only that consumer
    reads: the others processed the event already. An entry of the unrouted-events consumer goes back
    to its own subject, for whichever subscriptions route it now. The replay gets a new `Nats-Msg-Id`
    (the original may still be inside the stream's duplicate window) but keeps its `ce-id`, so a
    consumer that processed it before sees a duplicate.
    """
    letter = await read(js, entry)
    original_id = letter.headers.get(NATS_MSG_ID) or letter.event_id or f"{letter.stream}:{letter.stream_sequence}"
    headers = {
        **{name: value for name, value in letter.headers.items() if not name.lower().startswith(_JETSTREAM)},
        NATS_MSG_ID: f"{original_id}:replay:{entry}",
    }
    subject = letter.subject if letter.consumer == UNROUTED else replay_subject(letter.subject, letter.consumer)
    ack = await publish(js, OutgoingMessage(subject, headers, letter.body))
    await js.delete_msg(STREAM, entry)
    return letter, ack
