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
REPLAY_FOR = "Kakehashi-Replay-For"
"""Set on a replayed event: only the named consumer processes it; the others already did."""
_OURS = (DEAD_LETTER.lower(), REPLAY_FOR.lower(), NATS_MSG_ID.lower())
_MAX_PROBLEMS = 50
_MAX_TEXT = 500

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
    original = {name: value for name, value in (headers or {}).items() if name.lower() not in _OURS}
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
        "original_msg_id": (headers or {}).get(NATS_MSG_ID),
    }
    return OutgoingMessage(
        subject=f"collab.dlq.{service}",
        headers={
            **original,
            DEAD_LETTER: json.dumps(record, ensure_ascii=True),
            # One entry per (consumer, stored event): a consumer that dies before settling
            # dead-letters again on redelivery, and JetStream drops the repeat.
            NATS_MSG_ID: f"dlq:{consumer}:{stream}:{stream_sequence}",
        },
        body=body,
    )


def _read(raw: RawStreamMsg) -> DeadLetter:
    headers = dict(raw.headers or {})
    record = json.loads(headers.pop(DEAD_LETTER))
    headers.pop(NATS_MSG_ID, None)
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


async def replay(js: JetStreamContext, entry: int) -> PubAck:
    """Publish the entry's event again to its subject, for its consumer only, then remove the entry.

    The replay gets a new `Nats-Msg-Id` (the original may still be inside the stream's duplicate
    window) but keeps its `ce-id`, so consumers that processed it before still see a duplicate.
    """
    letter = await read(js, entry)
    original_id = letter.headers.get(NATS_MSG_ID) or letter.event_id or f"{letter.stream}:{letter.stream_sequence}"
    headers = {
        **{name: value for name, value in letter.headers.items() if name != NATS_MSG_ID},
        NATS_MSG_ID: f"{original_id}:replay:{entry}",
        REPLAY_FOR: letter.consumer,
    }
    ack = await publish(js, OutgoingMessage(letter.subject, headers, letter.body))
    await js.delete_msg(STREAM, entry)
    return ack
