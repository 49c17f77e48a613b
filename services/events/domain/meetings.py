"""1:1 meeting requests at business-matching sessions (after b2match): mutual acceptance, expiry, languages.

Languages come from the registrations: a company can hold a meeting in any language one of its
registered attendees speaks. Two companies sharing none need a Thai↔Japanese interpreter, which
helps only when one side speaks Thai and the other Japanese; otherwise they cannot meet.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.events.domain import Refused
from services.events.domain.sessions import EventFacts, Grid, utc

RequestStatus = Literal["pending", "accepted", "declined", "expired", "cancelled"]
ACTIVE: tuple[RequestStatus, ...] = ("pending", "accepted")
"""Requests that still hold a claim on the companies' time."""


def needs_interpreter(a: Collection[str], b: Collection[str]) -> bool:
    return not set(a) & set(b)


def can_talk(a: Collection[str], b: Collection[str]) -> bool:
    """A common language, or Thai on one side and Japanese on the other (an interpreter bridges them)."""
    return not needs_interpreter(a, b) or ("th" in a and "ja" in b) or ("ja" in a and "th" in b)


def pair_key(a: str, b: str) -> str:
    """The same key for A asking B and B asking A: one active request per pair and session."""
    first, second = sorted((a, b))
    return f"{first} {second}"


@dataclass(frozen=True, slots=True)
class Participant:
    """A company at a session, as far as meeting rules go; `status` is None when it is not registered."""

    company_id: str
    status: str | None
    agency: str | None
    languages: frozenset[str]
    open_requests: int = 0
    """Its pending or accepted requests at this session, asked or asking."""


def check_request(
    facts: EventFacts,
    *,
    sender: str,
    requester: Participant,
    invitee: Participant,
    existing: str | None,
    now: datetime,
) -> None:
    """Whether a meeting request can be taken; `existing` is the pair's active request at the session, if any."""
    if not facts.is_matching_session or facts.grid is None:
        raise Refused(
            f"Event {facts.event_id} is a {facts.kind}; meetings are requested at business-matching sessions.",
            ("event_id", "not a business_matching_session"),
        )
    if now >= facts.grid.first_slot_starts_at:
        raise Refused(
            f"Meeting requests for {facts.event_id} closed when its first slot started "
            f"({utc(facts.grid.first_slot_starts_at)}).",
            ("event_id", "the session's meetings have begun"),
        )
    for role, party in (("requester_company_id", requester), ("invitee_company_id", invitee)):
        if party.status != "confirmed":
            state = "is not registered" if party.status is None else f"is {party.status}, not confirmed"
            raise Refused(
                f"{party.company_id} {state} at {facts.event_id}; both companies need a confirmed registration.",
                (role, state),
            )
    if requester.agency != sender:
        raise Refused(
            f"{requester.company_id} was registered by {requester.agency}; "
            "only that agency may request meetings for it.",
            ("ce-source", f"must be {requester.agency}"),
        )
    if existing is not None:
        raise Refused(
            f"{requester.company_id} and {invitee.company_id} already have request {existing} at {facts.event_id}.",
            ("invitee_company_id", f"already in request {existing}"),
        )
    if not can_talk(requester.languages, invitee.languages):
        raise Refused(
            f"{requester.company_id} ({', '.join(sorted(requester.languages))}) and {invitee.company_id} "
            f"({', '.join(sorted(invitee.languages))}) share no language, and the session's interpreters "
            "translate only between Thai and Japanese.",
            ("invitee_company_id", "no common language and no Thai↔Japanese interpreter can bridge them"),
        )
    for role, party in (("requester_company_id", requester), ("invitee_company_id", invitee)):
        if party.open_requests >= facts.grid.slots:
            raise Refused(
                f"{party.company_id} already has {party.open_requests} open meeting requests at {facts.event_id}, "
                f"as many as the session has slots; wait for answers or cancel some.",
                (role, f"has {party.open_requests} open requests for {facts.grid.slots} slots"),
            )


def request_expiry(
    grid: Grid, *, request_id: str, requested_at: datetime, respond_by: datetime | None, ttl: timedelta, now: datetime
) -> datetime:
    """Until when a request may be accepted: its own deadline or the default, never past the first slot."""
    expires_at = min(respond_by or requested_at + ttl, grid.first_slot_starts_at)
    if expires_at <= now:
        raise Refused(
            f"Request {request_id} would have expired at {utc(expires_at)}, before it arrived.",
            ("respond_by" if respond_by else "requested_at", "leaves no time to answer"),
        )
    return expires_at


@dataclass(frozen=True, slots=True)
class RequestFacts:
    request_id: str
    invitee: str | None
    invitee_agency: str | None
    status: RequestStatus
    expires_at: datetime


Answer = Literal["accept", "decline"]
_OUTCOME: Mapping[Answer, RequestStatus] = {"accept": "accepted", "decline": "declined"}


def answer(
    request: RequestFacts, *, company_id: str, sender: str, response: Answer, now: datetime
) -> RequestStatus | None:
    """The request's new status after the invitee's answer, or None when the answer repeats the one given."""
    if company_id != request.invitee:
        raise Refused(
            f"Only the invited company answers request {request.request_id}; {company_id} was not invited.",
            ("company_id", "is not the invitee of this request"),
        )
    if request.invitee_agency is not None and sender != request.invitee_agency:
        raise Refused(
            f"{company_id} was registered by {request.invitee_agency}; only that agency may answer for it.",
            ("ce-source", f"must be {request.invitee_agency}"),
        )
    outcome = _OUTCOME[response]
    if request.status == outcome:
        return None
    if request.status != "pending":
        raise Refused(
            f"Request {request.request_id} is already {request.status}; it cannot be {outcome} now.",
            ("response", f"the request is {request.status}"),
        )
    if now >= request.expires_at:
        raise Refused(
            f"Request {request.request_id} expired at {utc(request.expires_at)}.",
            ("request_id", "expired"),
        )
    return outcome


def still_in_place(grid: Grid, *, slot: int, starts_at: datetime) -> bool:
    """An announced meeting keeps its slot only while that slot exists and starts when announced."""
    return 0 <= slot < grid.slots and grid.slot_time(slot)[0] == starts_at
