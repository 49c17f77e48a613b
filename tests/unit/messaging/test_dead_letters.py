"""Dead letters are always writable: whatever headers an event came with, the DLQ stream accepts its entry."""

from __future__ import annotations

import json

from nats.js.api import RawStreamMsg

from shared.contracts.rejections import Problem
from shared.messaging import dlq

HEADERS_LIMIT = 64 * 1024
"""What JetStream allows a message's header block."""


def _letter(headers: dict[str, str], problems: int = 1) -> dict[str, str]:
    message = dlq.dead_letter(
        service="matching",
        consumer="matching-agencies",
        subject="collab.in.th-dip.company.profile_submitted.v1",
        headers=headers,
        body=b"{}",
        stream="COLLAB_IN",
        stream_sequence=7,
        deliveries=1,
        failure=dlq.Failure(
            "permanent", "refused", tuple(Problem(field="ก" * 500, problem="ข" * 500) for _ in range(problems))
        ),
    )
    return message.headers


def _size(headers: dict[str, str]) -> int:
    return len(b"NATS/1.0\r\n\r\n") + sum(
        len(name.encode()) + len(value.encode()) + 4 for name, value in headers.items()
    )


def test_headers_jetstream_acts_on_are_kept_aside_and_shown_as_they_came() -> None:
    headers = _letter({"ce-id": "e1", "Nats-Expected-Stream": "COLLAB_IN", "Nats-Msg-Id": "e1"})
    assert not [name for name in headers if name.lower().startswith("nats-") and name != "Nats-Msg-Id"]
    assert headers["Nats-Msg-Id"] == "dlq:matching-agencies:COLLAB_IN:7"
    letter = dlq._read(RawStreamMsg(subject="collab.dlq.matching", seq=1, data=b"{}", headers=headers))
    assert letter.headers == {"ce-id": "e1", "Nats-Expected-Stream": "COLLAB_IN", "Nats-Msg-Id": "e1"}


def test_an_entry_fits_jetstream_whatever_the_event_headers_and_problems() -> None:
    for original in (
        {"ce-id": "i" * 65_000},
        {f"x-{number}": "v" * 20 for number in range(2_400)},
        {"X" * 30_000: "v", "Y" * 30_000: "w"},
    ):
        headers = _letter(original, problems=50)
        assert _size(headers) < HEADERS_LIMIT
        record = json.loads(headers[dlq.DEAD_LETTER])
        assert record["clipped_headers"], "what was cut is noted"
        assert record["problems"], "some problems are kept"
