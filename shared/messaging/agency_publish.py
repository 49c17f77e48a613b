"""What `kakehashi publish FILE --as AGENCY` does: read an event file, check it, send it as the agency."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.contracts.base import Contract
from shared.contracts.catalogue import by_type
from shared.contracts.subjects import SubjectError, agency_source, check_agency
from shared.messaging.envelope import OutgoingMessage, encode
from shared.messaging.errors import PermanentError, problems_from


@dataclass(frozen=True, slots=True)
class Prepared:
    contract: type[Contract]
    message: OutgoingMessage


def prepare(path: Path, *, agency: str, event_type: str | None = None, subject_id: str | None = None) -> Prepared:
    """The CloudEvent to publish, or `PermanentError` saying, field by field, what is wrong with the file.

    The file holds either a structured CloudEvent (`type`, `data`, optionally `id`, `subject`,
    `time`) or just the data, with the type given separately.
    """
    try:
        check_agency(agency)
    except SubjectError as error:
        raise PermanentError(str(error)) from None
    document = _read(path)
    if isinstance(document, dict) and "data" in document and ("type" in document or "specversion" in document):
        event_type = event_type or document.get("type")
        data = document["data"]
        event_id = document.get("id")
        subject_id = subject_id or document.get("subject")
    else:
        data, event_id = document, None
    if not event_type:
        raise PermanentError(f'{path}: no event type: give --type, or write the file as {{"type": …, "data": …}}')
    contract = by_type().get(event_type)
    if contract is None:
        known = sorted(t for t, c in by_type().items() if c.route.direction == "inbound")
        raise PermanentError(f"unknown event type {event_type!r}; agencies publish: {', '.join(known)}")
    if contract.route.direction != "inbound":
        raise PermanentError(f"{event_type} is published by Kakehashi, not by agencies")
    try:
        payload = contract.model_validate(data)
    except ValidationError as error:
        raise PermanentError(f"{path} does not match {event_type}", problems_from(error)) from None
    message = encode(
        payload,
        source=agency_source(agency),
        agency=agency,
        subject_id=subject_id,
        event_id=str(event_id) if event_id else None,
    )
    return Prepared(contract, message)


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PermanentError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise PermanentError(f"{path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PermanentError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
