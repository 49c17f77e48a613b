"""CloudEvents on NATS: what we send, and what we accept or refuse, with reasons field by field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import Field

from shared.contracts.base import Contract
from shared.contracts.subjects import agency_source
from shared.messaging.envelope import Envelope, accept, decode, encode
from shared.messaging.errors import PermanentError

LIMIT = 1024


class HeadcountReported(Contract):
    subject = "collab.in.{agency}.company.headcount_reported.v1"

    company_id: str = Field(description="The company.", examples=["th-0105551234567"])
    employees: int = Field(description="Staff.", examples=[180], ge=0)


def _sent(**changes: object) -> tuple[str, dict[str, str], bytes]:
    message = encode(
        HeadcountReported(company_id="th-1", employees=180),
        source=agency_source("th-dip"),
        agency="th-dip",
        subject_id="th-1",
        event_id="evt-1",
        time=datetime(2026, 11, 26, 3, 15, tzinfo=UTC),
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    return message.subject, message.headers, message.body


def _refusal(subject: str, headers: dict[str, str], body: bytes) -> PermanentError:
    with pytest.raises(PermanentError) as refused:
        accept(decode(subject, headers, body, max_bytes=LIMIT), HeadcountReported)
    return refused.value


def test_encode_writes_binary_mode_with_msg_id_equal_to_ce_id() -> None:
    subject, headers, body = _sent()
    assert subject == "collab.in.th-dip.company.headcount_reported.v1"
    assert headers == {
        "ce-specversion": "1.0",
        "ce-id": "evt-1",
        "ce-source": "urn:collab:agency:th-dip",
        "ce-type": "collab.company.headcount_reported.v1",
        "ce-time": "2026-11-26T03:15:00.000000Z",
        "ce-subject": "th-1",
        "content-type": "application/json",
        "Nats-Msg-Id": "evt-1",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    }
    assert json.loads(body) == {"company_id": "th-1", "employees": 180}


def test_encode_refuses_a_source_that_does_not_own_the_subject() -> None:
    with pytest.raises(ValueError, match="may not publish"):
        encode(HeadcountReported(company_id="th-1", employees=1), source=agency_source("jp-mie"), agency="th-dip")


def test_binary_mode_round_trip() -> None:
    event = accept(decode(*_sent(), max_bytes=LIMIT), HeadcountReported)
    assert (event.id, event.agency, event.subject) == ("evt-1", "th-dip", "th-1")
    assert event.time == datetime(2026, 11, 26, 3, 15, tzinfo=UTC)
    assert event.data == HeadcountReported(company_id="th-1", employees=180)


def test_header_names_are_matched_whatever_their_case() -> None:
    subject, headers, body = _sent()
    shouted = {name.upper() if name.startswith("ce-") else name: value for name, value in headers.items()}
    assert accept(decode(subject, shouted, body, max_bytes=LIMIT), HeadcountReported).id == "evt-1"


def test_structured_mode_is_accepted_and_hashes_like_binary_mode() -> None:
    subject, headers, body = _sent()
    structured = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "urn:collab:agency:th-dip",
        "type": "collab.company.headcount_reported.v1",
        "time": "2026-11-26T03:15:00Z",
        "subject": "th-1",
        "datacontenttype": "application/json",
        "data": {"employees": 180, "company_id": "th-1"},
    }
    envelope = decode(
        subject,
        {"content-type": "application/cloudevents+json; charset=utf-8"},
        json.dumps(structured).encode(),
        max_bytes=LIMIT,
    )
    assert accept(envelope, HeadcountReported).data.employees == 180
    assert envelope.digest == decode(subject, headers, body, max_bytes=LIMIT).digest


def test_the_digest_changes_with_the_data() -> None:
    subject, headers, _ = _sent()
    one = decode(subject, headers, b'{"company_id": "th-1", "employees": 180}', max_bytes=LIMIT)
    other = decode(subject, headers, b'{"company_id": "th-1", "employees": 181}', max_bytes=LIMIT)
    assert isinstance(one, Envelope)
    assert one.digest != other.digest


def test_invalid_json_is_refused_with_where_it_broke() -> None:
    subject, headers, _ = _sent()
    error = _refusal(subject, headers, b'{"company_id": "th-1",')
    assert error.reason == "The message body is not valid JSON."
    assert error.problems[0].field == "body"
    assert "line 1, column 23" in error.problems[0].problem


def test_a_body_over_the_limit_is_refused_before_parsing() -> None:
    subject, headers, _ = _sent()
    error = _refusal(subject, headers, b"[" + b"1," * 600 + b"1]")
    assert "1,203 bytes; the limit is 1,024" in error.reason


def test_missing_attributes_are_named() -> None:
    subject, headers, body = _sent()
    del headers["ce-id"], headers["ce-source"]
    error = _refusal(subject, headers, body)
    assert {p.field for p in error.problems} == {"ce-id", "ce-source"}
    assert all(p.problem == "Field required" for p in error.problems)


def test_a_wrong_spec_version_and_a_naive_time_are_named() -> None:
    subject, headers, body = _sent()
    headers["ce-specversion"] = "0.3"
    headers["ce-time"] = "2026-11-26T03:15:00"
    fields = {p.field: p.problem for p in _refusal(subject, headers, body).problems}
    assert set(fields) == {"ce-specversion", "ce-time"}
    assert "timezone" in fields["ce-time"]


def test_a_spoofed_source_is_refused() -> None:
    subject, headers, body = _sent()
    headers["ce-source"] = agency_source("jp-mie")
    error = _refusal(subject, headers, body)
    assert error.problems[0].field == "ce-source"
    assert "urn:collab:agency:jp-mie may not publish on collab.in.th-dip" in error.reason


def test_a_type_that_does_not_belong_on_the_subject_is_refused() -> None:
    subject, headers, body = _sent()
    headers["ce-type"] = "collab.company.profile_submitted.v1"
    assert _refusal(subject, headers, body).problems[0].field == "ce-type"


def test_data_that_breaks_the_contract_is_refused_field_by_field() -> None:
    subject, headers, _ = _sent()
    error = _refusal(subject, headers, b'{"employees": "many"}')
    assert {p.field: p.problem for p in error.problems} == {
        "company_id": "Field required",
        "employees": "Input should be a valid integer, unable to parse string as an integer (got 'many')",
    }


def test_an_unsupported_content_type_is_refused() -> None:
    subject, headers, body = _sent()
    headers["content-type"] = "application/xml"
    assert _refusal(subject, headers, body).problems[0].field == "content-type"


def test_a_long_bad_value_is_shortened_in_the_reason() -> None:
    subject, headers, _ = _sent()
    error = _refusal(subject, headers, json.dumps({"company_id": "th-1", "employees": "9" * 5000 + "x"}).encode())
    assert len(error.problems[0].problem) < 200


class HeadcountCorrected(Contract):
    subject = "collab.in.{agency}.company.headcount_corrected.v1"

    company_id: str = Field(description="The company.", examples=["th-0105551234567"])
    employees: int = Field(description="Staff.", examples=[180], ge=0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"company_id": "th-1", "employees": ' + b"9" * 5000 + b"}", "a number too long"),
        (b'{"company_id": "th-1\\ud800", "employees": 1}', "unpaired surrogate"),
        (b'{"company_id": "th-1\\u0000", "employees": 1}', "NUL character"),
    ],
)
def test_what_json_allows_but_no_service_can_read_or_store_is_refused(body: bytes, reason: str) -> None:
    subject, headers, _ = _sent()
    with pytest.raises(PermanentError) as refused:  # not RecursionError, ValueError or UnicodeEncodeError
        decode(subject, headers, body, max_bytes=1024 * 1024)
    assert reason in refused.value.reason


def test_escapes_that_only_look_suspect_are_text() -> None:
    subject, headers, _ = _sent()
    body = b'{"company_id": "th-1 \\\\u0000 \\\\ud800 \\ud83d\\ude00", "employees": 1}'
    event = accept(decode(subject, headers, body, max_bytes=LIMIT), HeadcountReported)
    assert event.data.company_id == "th-1 \\u0000 \\ud800 \U0001f600"


def test_a_nul_character_in_an_attribute_is_refused() -> None:
    subject, headers, body = _sent()
    headers["ce-id"] = "evt\x001"
    assert _refusal(subject, headers, body).problems[0].field == "ce-id"


def test_the_type_of_another_subject_is_refused_even_where_a_handler_takes_that_type() -> None:
    # The type picks the handler: the data of one contract sent on another's subject must not reach it.
    subject, headers, body = _sent()
    headers["ce-type"] = HeadcountCorrected.ce_type()
    with pytest.raises(PermanentError) as refused:
        accept(decode(subject, headers, body, max_bytes=LIMIT), HeadcountCorrected)
    assert refused.value.problems[0].field == "ce-type"


@pytest.mark.parametrize("agency", ["TH-DIP", "th_dip", "a" * 65])
def test_a_subject_whose_agency_part_is_no_agency_id_is_refused(agency: str) -> None:
    subject, headers, body = _sent()
    headers["ce-source"] = f"urn:collab:agency:{agency}"
    error = _refusal(subject.replace("th-dip", agency), headers, body)
    assert error.problems[0].field == "subject"
