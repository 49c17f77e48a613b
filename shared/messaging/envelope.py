"""CloudEvents 1.0 on NATS: binary mode out (`ce-*` headers, JSON body), binary or structured mode in."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from shared.contracts.base import Contract
from shared.contracts.rejections import Problem
from shared.contracts.subjects import MAX_AGENCY_LENGTH, is_agency, source_belongs
from shared.messaging.errors import PermanentError, problems_from

CE_ID = "ce-id"
CE_SOURCE = "ce-source"
CE_TYPE = "ce-type"
CE_SPECVERSION = "ce-specversion"
CE_TIME = "ce-time"
CE_SUBJECT = "ce-subject"
CONTENT_TYPE = "content-type"
TRACEPARENT = "traceparent"
NATS_MSG_ID = "Nats-Msg-Id"

JSON = "application/json"
STRUCTURED = "application/cloudevents+json"

T = TypeVar("T", bound=Contract)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message ready to publish to JetStream; its `Nats-Msg-Id` makes a repeated publish harmless."""

    subject: str
    headers: dict[str, str]
    body: bytes

    @property
    def id(self) -> str:
        return self.headers[NATS_MSG_ID]


def encode(
    data: Contract,
    *,
    source: str,
    subject_id: str | None = None,
    agency: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
) -> OutgoingMessage:
    """The NATS message for `data`: subject from the contract, `Nats-Msg-Id` = `ce-id`."""
    subject = data.route.address(agency)
    if not source_belongs(source, subject):
        raise ValueError(f"{source} may not publish on {subject}")
    event_id = event_id or str(uuid.uuid4())
    headers = {
        CE_SPECVERSION: "1.0",
        CE_ID: event_id,
        CE_SOURCE: source,
        CE_TYPE: data.ce_type(),
        CE_TIME: _rfc3339(time or datetime.now(UTC)),
        CONTENT_TYPE: JSON,
        NATS_MSG_ID: event_id,
    }
    if subject_id is not None:
        headers[CE_SUBJECT] = subject_id
    if traceparent is not None:
        headers[TRACEPARENT] = traceparent
    return OutgoingMessage(subject, headers, data.model_dump_json().encode())


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class _Attributes(BaseModel):
    """The CloudEvents context attributes we require and check."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=256)
    source: str = Field(min_length=1, max_length=512)
    type: str = Field(min_length=1, max_length=256)
    time: AwareDatetime | None = None
    subject: str | None = Field(default=None, max_length=512)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A CloudEvent as read off the bus, before its data is checked against a contract."""

    id: str
    source: str
    type: str
    time: datetime | None
    subject: str | None
    traceparent: str | None
    data: Any
    nats_subject: str
    digest: str
    """A hash of type and data: the same id with another digest is a conflicting duplicate."""


@dataclass(frozen=True, slots=True)
class Event(Generic[T]):
    """An event accepted for a handler: checked envelope, data validated against its contract."""

    id: str
    source: str
    type: str
    time: datetime | None
    subject: str | None
    traceparent: str | None
    data: T
    nats_subject: str
    agency: str | None


def header_map(headers: dict[str, str] | None) -> dict[str, str]:
    """NATS headers with lower-cased names: senders differ in how they spell `Ce-Id`."""
    return {name.lower(): value for name, value in (headers or {}).items()}


def decode(nats_subject: str, headers: dict[str, str] | None, body: bytes, *, max_bytes: int) -> Envelope:
    """Read a CloudEvent in binary or structured mode; raise `PermanentError` saying what is wrong."""
    if len(body) > max_bytes:
        raise PermanentError(
            f"The message body is {len(body):,} bytes; the limit is {max_bytes:,}.",
            [Problem(field="body", problem=f"too large: {len(body):,} bytes, at most {max_bytes:,} allowed")],
        )
    names = header_map(headers)
    content_type = names.get(CONTENT_TYPE, JSON).split(";")[0].strip().lower()
    payload = _parse_json(body)
    if content_type == STRUCTURED:
        if not isinstance(payload, dict):
            raise PermanentError(
                "A structured-mode CloudEvent must be a JSON object.",
                [Problem(field="body", problem="expected a JSON object with specversion, id, source, type and data")],
            )
        raw_attributes = payload
        datacontenttype = str(payload.get("datacontenttype", JSON)).split(";")[0].strip().lower()
        if datacontenttype != JSON:
            raise PermanentError(
                f"Data of type {datacontenttype} is not accepted; send {JSON}.",
                [Problem(field="datacontenttype", problem=f"must be {JSON}")],
            )
        if "data" not in payload:
            raise PermanentError(
                "The structured-mode CloudEvent has no data.", [Problem(field="data", problem="Field required")]
            )
        data = payload["data"]
        prefix = ""
    elif content_type == JSON:
        raw_attributes = {name[3:]: value for name, value in names.items() if name.startswith("ce-")}
        for name, value in raw_attributes.items():
            _check_text(value, f"ce-{name}")
        data = payload
        prefix = "ce-"
    else:
        raise PermanentError(
            f"Content type {content_type} is not accepted; send {JSON} (binary mode) or {STRUCTURED}.",
            [Problem(field=CONTENT_TYPE, problem=f"must be {JSON} or {STRUCTURED}")],
        )
    try:
        attributes = _Attributes.model_validate(raw_attributes)
    except ValidationError as error:
        raise PermanentError(
            "The CloudEvents attributes are missing or invalid.", problems_from(error, prefix=prefix)
        ) from None
    try:
        canonical = json.dumps([attributes.type, data], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except RecursionError:
        raise _too_deep() from None
    return Envelope(
        id=attributes.id,
        source=attributes.source,
        type=attributes.type,
        time=attributes.time,
        subject=attributes.subject,
        traceparent=names.get(TRACEPARENT),
        data=data,
        nats_subject=nats_subject,
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def _too_deep() -> PermanentError:
    return PermanentError(
        "The message body is nested too deeply to read.",
        [Problem(field="body", problem="arrays or objects nested too deeply")],
    )


_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
"""`\\u0000` and `\\ud800`…`\\udfff` in JSON text: how a body that is valid UTF-8 can carry what is not text."""


def _check_text(value: Any, field: str = "body") -> None:
    """Refuse strings no database stores: NUL characters (PostgreSQL refuses them) and unpaired surrogates."""
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise PermanentError(
                    "The event holds a NUL character (\\u0000), which text may not contain.",
                    [Problem(field=field, problem="holds a NUL character (\\u0000)")],
                )
            try:
                item.encode()
            except UnicodeEncodeError:
                raise PermanentError(
                    "The event holds an unpaired surrogate escape (such as \\ud800), which is not text.",
                    [Problem(field=field, problem="holds an unpaired UTF-16 surrogate escape")],
                ) from None
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _parse_json(body: bytes) -> Any:
    try:
        payload = json.loads(body)
    except UnicodeDecodeError:
        raise PermanentError(
            "The message body is not UTF-8 text.", [Problem(field="body", problem="not valid UTF-8")]
        ) from None
    except json.JSONDecodeError as error:
        raise PermanentError(
            "The message body is not valid JSON.",
            [Problem(field="body", problem=f"{error.msg} at line {error.lineno}, column {error.colno}")],
        ) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # an integer of more digits than Python converts (sys.int_info.str_digits_check_threshold)
        raise PermanentError(
            "The message body holds a number too long to read.",
            [Problem(field="body", problem="a number with more than 4,300 digits")],
        ) from None
    if _SUSPECT_ESCAPE.search(body):
        _check_text(payload)
    return payload


def accept(envelope: Envelope, contract: type[T]) -> Event[T]:
    """Check that the event belongs on its subject and that its data fits `contract`."""
    route = contract.route
    agency = route.agency_of(envelope.nats_subject)
    if agency is not None and not is_agency(agency):
        raise PermanentError(
            f"The subject {envelope.nats_subject} does not name an agency.",
            [
                Problem(
                    field="subject",
                    problem="the agency part must be an agency id: lower-case letters, digits and single hyphens, "
                    f"at most {MAX_AGENCY_LENGTH} characters",
                )
            ],
        )
    if envelope.type != contract.ce_type() or not route.matches(envelope.nats_subject):
        # The type picks the handler; the subject is what permissions, filters and other services go by.
        raise PermanentError(
            f"Events of type {envelope.type} are not accepted on {envelope.nats_subject}.",
            [Problem(field="ce-type", problem="must be the subject's own type: the subject without its agency part")],
        )
    if not source_belongs(envelope.source, envelope.nats_subject):
        raise PermanentError(
            f"The source {envelope.source} may not publish on {envelope.nats_subject}.",
            [Problem(field="ce-source", problem="does not belong to the agency or service that owns the subject")],
        )
    try:
        data = contract.model_validate(envelope.data)
    except ValidationError as error:
        raise PermanentError(
            f"The data does not match the contract {contract.ce_type()}.", problems_from(error)
        ) from None
    return Event(
        id=envelope.id,
        source=envelope.source,
        type=envelope.type,
        time=envelope.time,
        subject=envelope.subject,
        traceparent=envelope.traceparent,
        data=data,
        nats_subject=envelope.nats_subject,
        agency=agency,
    )
