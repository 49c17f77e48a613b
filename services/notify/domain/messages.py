"""From an upstream event to the messages it causes: one per company concerned, carried as plain facts.

Facts are JSON values (datetimes as ISO 8601 strings, texts as `{"en": …, "th": …, "ja": …}`), so
that a message can wait in the database for its recipient and be sent to a webhook as it is; the
templates turn them into sentences in the reader's language and zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from shared.contracts.agency.info import BulletinPublished
from shared.contracts.agency.notify import Category
from shared.contracts.common import LocalizedText
from shared.contracts.events import (
    EventSummary,
    MeetingScheduled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from shared.contracts.matching import MatchConfirmed, MatchParty, MatchProposed, Reason
from shared.contracts.training import SkillRecordUpdated

Kind = Literal[
    "match_proposed",
    "match_confirmed",
    "registration_confirmed",
    "registration_waitlisted",
    "registration_promoted",
    "meeting_scheduled",
    "skill_record_updated",
    "bulletin",
    "bulletin_digest",
]
"""A kind of message: each has a template in every language."""

KINDS: tuple[Kind, ...] = (
    "match_proposed",
    "match_confirmed",
    "registration_confirmed",
    "registration_waitlisted",
    "registration_promoted",
    "meeting_scheduled",
    "skill_record_updated",
    "bulletin",
    "bulletin_digest",
)

CATEGORY: Mapping[Kind, Category] = {
    "match_proposed": "match_proposed",
    "match_confirmed": "match_confirmed",
    "registration_confirmed": "registration",
    "registration_waitlisted": "registration",
    "registration_promoted": "registration",
    "meeting_scheduled": "meeting",
    "skill_record_updated": "skill_record",
    "bulletin": "bulletin",
    "bulletin_digest": "bulletin",
}

Facts = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Source:
    """The event a message is about. `key` is what makes its notifications unique: the event id,
    or for a bulletin the bulletin itself, so that re-publishing it notifies nobody twice."""

    key: str
    event_id: str
    event_type: str


@dataclass(frozen=True, slots=True)
class Message:
    """What to tell one company about one event, before it is addressed and rendered."""

    kind: Kind
    company_id: str
    """The company concerned: its contact reads it, and its agency's webhook may get a copy."""
    source: Source
    facts: Facts
    other_company_id: str | None = None
    """The other company whose data the message carries (a name, a contact): erased with it too."""

    @property
    def category(self) -> Category:
        return CATEGORY[self.kind]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def text(value: LocalizedText | None) -> dict[str, str] | None:
    return None if value is None else value.model_dump(exclude_none=True)


def _party(party: MatchParty) -> Facts:
    return {
        "company_id": party.company_id,
        "name": text(party.name),
        "country": party.country,
        "region": party.region,
    }


def _reason(reason: Reason, reader: Literal["a", "b"]) -> Facts:
    by = None if reason.offered_by is None else ("you" if reason.offered_by == reader else "them")
    return {
        "code": reason.code,
        "by": by,
        "tags": list(reason.tags),
        "sectors": list(reason.sectors),
        "fields": list(reason.fields),
        "partnerships": list(reason.partnerships),
        "languages": list(reason.languages),
        "certifications": list(reason.certifications),
        "skills": list(reason.skills),
    }


def match_proposed(source: Source, event: MatchProposed) -> tuple[Message, Message]:
    """Both sides hear of the proposal, each with the reasons told from its own side; no contact details."""

    def told_to(reader: Literal["a", "b"]) -> Message:
        me, other = (event.a, event.b) if reader == "a" else (event.b, event.a)
        facts: Facts = {
            "match_id": event.match_id,
            "other": _party(other),
            "score": event.score,
            "reasons": [_reason(reason, reader) for reason in event.reasons],
            "interpreter_needed": event.interpreter_needed,
            "proposed_at": iso(event.proposed_at),
            "expires_at": iso(event.expires_at),
        }
        return Message("match_proposed", me.company_id, source, facts, other_company_id=other.company_id)

    return told_to("a"), told_to("b")


def match_confirmed(source: Source, event: MatchConfirmed) -> tuple[Message, Message]:
    """The introduction: each side gets the other's contact, when the other consented to share it."""
    messages = []
    for me, other in ((event.a, event.b), (event.b, event.a)):
        contact = other.contact
        facts: Facts = {
            "match_id": event.match_id,
            "other": {"company_id": other.company_id, "name": text(other.name), "agency": other.agency},
            "contact": None
            if contact is None
            else {
                "name": contact.name,
                "email": contact.email,
                "phone": contact.phone,
                "line_id": contact.line_id,
                "preferred_language": contact.preferred_language,
            },
            "confirmed_at": iso(event.confirmed_at),
        }
        messages.append(Message("match_confirmed", me.company_id, source, facts, other_company_id=other.company_id))
    return messages[0], messages[1]


def _event(summary: EventSummary) -> Facts:
    return {
        "event_id": summary.event_id,
        "kind": summary.kind,
        "title": text(summary.title),
        "starts_at": iso(summary.starts_at),
        "ends_at": iso(summary.ends_at),
        "timezone": summary.timezone,
        "venue": text(summary.venue),
        "online_url": summary.online_url,
    }


def registration(
    source: Source, event: RegistrationConfirmed | RegistrationWaitlisted | RegistrationPromoted
) -> Message:
    """A registration's news for the registering company."""
    facts: Facts = {"registration_id": event.registration_id, "event": _event(event.event)}
    kind: Kind
    if isinstance(event, RegistrationWaitlisted):
        kind = "registration_waitlisted"
        facts["position"] = event.position
    elif isinstance(event, RegistrationPromoted):
        kind = "registration_promoted"
    else:
        kind = "registration_confirmed"
    return Message(kind, event.company_id, source, facts)


def meeting_scheduled(
    source: Source, event: MeetingScheduled, names: Mapping[str, Mapping[str, str]]
) -> tuple[Message, Message]:
    """Both companies get the slot, in their own zones; `names` are the public names we know."""
    first, second = event.company_ids
    messages = []
    for me, other in ((first, second), (second, first)):
        facts: Facts = {
            "meeting_id": event.meeting_id,
            "event": _event(event.event),
            "starts_at": iso(event.starts_at),
            "ends_at": iso(event.ends_at),
            "table": event.table,
            "interpreter": event.interpreter,
            "match_id": event.match_id,
            "other": {"company_id": other, "name": dict(names[other]) if other in names else None},
        }
        messages.append(Message("meeting_scheduled", me, source, facts, other_company_id=other))
    return messages[0], messages[1]


def skill_record_updated(source: Source, event: SkillRecordUpdated) -> Message | None:
    """Congratulations on a verified skill; a record that dropped to no holders is not news to celebrate."""
    if event.holders == 0:
        return None
    facts: Facts = {
        "skill_id": event.skill_id,
        "skill": text(event.skill),
        "holders": event.holders,
        "levels": event.levels.model_dump(),
        "course_id": event.course_id,
        "updated_at": iso(event.updated_at),
    }
    return Message("skill_record_updated", event.company_id, source, facts)


def bulletin_source(agency: str, event_id: str, event: BulletinPublished) -> Source:
    return Source(key=f"bulletin:{agency}:{event.bulletin_id}", event_id=event_id, event_type=event.ce_type())


def bulletin_facts(agency: str, event: BulletinPublished) -> Facts:
    return {
        "bulletin_id": event.bulletin_id,
        "agency": agency,
        "title": text(event.title),
        "content": text(event.body),
        "fields": list(event.fields),
        "link": event.link,
        "published_at": iso(event.published_at),
    }


def bulletin_audience(
    event: BulletinPublished, country: str, fields: Sequence[str], opted_out: Sequence[Category]
) -> bool:
    """Whether a registered company should receive the bulletin at all."""
    if "bulletin" in opted_out:
        return False
    if event.countries and country not in event.countries:
        return False
    return bool(set(event.fields) & set(fields))


def bulletin(source: Source, company_id: str, facts: Facts) -> Message:
    return Message("bulletin", company_id, source, facts)


def digest(company_id: str, digest_id: str, bulletins: Sequence[Facts], period_end: datetime) -> Message:
    """One message gathering the bulletins a company chose to read once a day."""
    source = Source(key=f"digest:{digest_id}", event_id=digest_id, event_type=BulletinPublished.ce_type())
    facts: Facts = {"bulletins": list(bulletins), "count": len(bulletins), "until": iso(period_end)}
    return Message("bulletin_digest", company_id, source, facts)
