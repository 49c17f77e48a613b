"""A match's life (proposed, accepted by one, then confirmed, declined, expired or withdrawn) and its events.

The match id derives from the pair alone (in either order), so the same two companies always have
the same match and are never proposed twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from services.matching.domain.profiles import Company, localized
from services.matching.domain.scoring import Assessment
from shared.contracts.agency.company import Contact
from shared.contracts.common import LocalizedText
from shared.contracts.matching import (
    ConfirmedParty,
    MatchConfirmed,
    MatchDeclined,
    MatchExpired,
    MatchParty,
    MatchProposed,
    MatchWithdrawn,
)
from shared.contracts.rejections import Problem

Status = Literal["proposed", "accepted", "confirmed", "declined", "expired", "withdrawn"]
OPEN: tuple[Status, ...] = ("proposed", "accepted")
Response = Literal["accept", "decline"]


class ResponseRefused(Exception):
    """A response that cannot apply to the match; `problems` says why, field by field."""

    def __init__(self, reason: str, problems: tuple[Problem, ...]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems


def match_id(one: str, other: str) -> str:
    """The pair's match id: the same for (A, B) and (B, A)."""
    first, second = sorted((one, other))
    return "m-" + hashlib.sha256(f"{first}|{second}".encode()).hexdigest()[:16]


def pair_key(match: str) -> int:
    """The match id as a number, for a compact in-memory set of pairs already proposed."""
    return int(match[2:], 16)


@dataclass(frozen=True, slots=True)
class Match:
    match_id: str
    a: str
    """The side whose profile (or capability) triggered the proposal."""
    b: str
    status: Status
    accepted_by: frozenset[str]
    proposed_at: datetime
    expires_at: datetime
    closed_at: datetime | None = None

    @property
    def parties(self) -> tuple[str, str]:
        return (self.a, self.b)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True, slots=True)
class Party:
    """What a confirmation tells about one side: public name, and contact if it may be shared."""

    company_id: str
    agency: str
    name: LocalizedText
    contact: Contact | None
    shares_contact: bool


def propose(
    a: Company, b: Company, assessment: Assessment, now: datetime, ttl: timedelta
) -> tuple[Match, MatchProposed]:
    """A new match between `a` (whose profile triggered it) and `b`, and its announcement without contacts."""
    match = Match(
        match_id(a.company_id, b.company_id), a.company_id, b.company_id, "proposed", frozenset(), now, now + ttl
    )
    event = MatchProposed(
        match_id=match.match_id,
        a=_party(a),
        b=_party(b),
        score=round(min(1.0, assessment.score), 4),
        reasons=assessment.reasons,
        interpreter_needed=assessment.interpreter_needed,
        proposed_at=now,
        expires_at=match.expires_at,
    )
    return match, event


def _party(company: Company) -> MatchParty:
    return MatchParty(
        company_id=company.company_id,
        agency=company.agency,
        country=company.country,
        region=company.region,
        name=localized(company.name),
    )


@dataclass(frozen=True, slots=True)
class Answered:
    """The match after a response, and what to publish (nothing when the answer changes nothing)."""

    match: Match
    outcome: Literal["accepted", "confirmed", "declined", "unchanged"]


def respond(match: Match, company_id: str, response: Response, now: datetime) -> Answered:
    """Apply one side's answer; `ResponseRefused` when it cannot apply (not a party, match closed)."""
    if company_id not in match.parties:
        raise ResponseRefused(
            f"Company {company_id} is not a party to match {match.match_id}.",
            (Problem(field="company_id", problem=f"match {match.match_id} is between {match.a} and {match.b}"),),
        )
    if match.status == "confirmed" and response == "accept":
        return Answered(match, "unchanged")
    if match.status == "declined" and response == "decline":
        return Answered(match, "unchanged")
    if not match.is_open:
        when = f" on {match.closed_at:%Y-%m-%d %H:%M} UTC" if match.closed_at else ""
        raise ResponseRefused(
            f"Match {match.match_id} was already {match.status}{when}; it can no longer be answered.",
            (Problem(field="match_id", problem=f"the match is {match.status}, not open for answers"),),
        )
    if response == "decline":
        return Answered(replace(match, status="declined", closed_at=now), "declined")
    if company_id in match.accepted_by:
        return Answered(match, "unchanged")
    accepted = match.accepted_by | {company_id}
    if len(accepted) == 2:
        return Answered(replace(match, status="confirmed", accepted_by=accepted, closed_at=now), "confirmed")
    return Answered(replace(match, status="accepted", accepted_by=accepted), "accepted")


def expire(match: Match, now: datetime) -> tuple[Match, MatchExpired]:
    closed = replace(match, status="expired", closed_at=now)
    return closed, MatchExpired(match_id=match.match_id, company_ids=match.parties, expired_at=now)


def withdraw(match: Match, by: str, now: datetime) -> tuple[Match, MatchWithdrawn]:
    closed = replace(match, status="withdrawn", closed_at=now)
    return closed, MatchWithdrawn(match_id=match.match_id, company_ids=match.parties, withdrawn_by=by, withdrawn_at=now)


def declined(match: Match, by: str) -> MatchDeclined:
    assert match.closed_at is not None
    return MatchDeclined(
        match_id=match.match_id, company_ids=match.parties, declined_by=by, declined_at=match.closed_at
    )


def confirmation(match: Match, a: Party, b: Party) -> MatchConfirmed:
    """The introduction. Contacts travel only if both sides consented: neither learns the other's
    contact without sharing its own."""
    assert match.closed_at is not None
    both = a.shares_contact and b.shares_contact and a.contact is not None and b.contact is not None
    return MatchConfirmed(
        match_id=match.match_id,
        a=ConfirmedParty(company_id=a.company_id, agency=a.agency, name=a.name, contact=a.contact if both else None),
        b=ConfirmedParty(company_id=b.company_id, agency=b.agency, name=b.name, contact=b.contact if both else None),
        confirmed_at=match.closed_at,
    )
