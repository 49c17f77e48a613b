"""What the events service publishes: registrations, meetings and attendance."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, Part
from shared.contracts.common import CompanyId, LocalizedText

EventKind = Literal["exhibition", "seminar", "business_matching_session"]
TimeZone = Literal["Asia/Bangkok", "Asia/Tokyo"]

_EVENT = {
    "event_id": "ev-2027-food-innovation-bkk",
    "kind": "business_matching_session",
    "title": {
        "en": "Thai–Mie Food Innovation Business Matching",
        "th": "การจับคู่ธุรกิจนวัตกรรมอาหารไทย–มิเอะ",
        "ja": "タイ・三重 食品イノベーション商談会",
    },
    "starts_at": "2027-02-10T02:00:00Z",
    "ends_at": "2027-02-10T09:00:00Z",
    "timezone": "Asia/Bangkok",
    "venue": {"en": "BITEC, Bangkok", "th": "ไบเทค กรุงเทพฯ", "ja": "BITEC（バンコク）"},
}


class EventSummary(Part):
    """What a notification needs to say about the event, times in UTC with the venue's zone."""

    event_id: str = Field(description="The event.", examples=["ev-2027-food-innovation-bkk"])
    kind: EventKind = Field(description="What kind of event.", examples=["business_matching_session"])
    title: LocalizedText = Field(description="Its title.", examples=[_EVENT["title"]])
    starts_at: AwareDatetime = Field(description="Start (UTC).", examples=["2027-02-10T02:00:00Z"])
    ends_at: AwareDatetime = Field(description="End (UTC).", examples=["2027-02-10T09:00:00Z"])
    timezone: TimeZone = Field(description="The venue's zone.", examples=["Asia/Bangkok"])
    venue: LocalizedText | None = Field(
        default=None, description="Where, or null when online only.", examples=[_EVENT["venue"]]
    )
    online_url: str | None = Field(
        default=None, description="Where to join online, or null.", examples=["https://meet.example.org/thai-mie"]
    )


class RegistrationConfirmed(Contract):
    """A registration got a place."""

    subject = "collab.events.registration.confirmed.v1"

    registration_id: str = Field(description="The registration.", examples=["reg-7f3a"])
    company_id: CompanyId = Field(description="The registering company.", examples=["th-0105551234567"])
    event: EventSummary = Field(description="The event.", examples=[_EVENT])


class RegistrationWaitlisted(Contract):
    """The event was full; the registration waits in line."""

    subject = "collab.events.registration.waitlisted.v1"

    registration_id: str = Field(description="The registration.", examples=["reg-7f3a"])
    company_id: CompanyId = Field(description="The registering company.", examples=["th-0105551234567"])
    event: EventSummary = Field(description="The event.", examples=[_EVENT])
    position: int = Field(description="Place in the waiting list, 1 = next.", examples=[3], ge=1)


class RegistrationPromoted(Contract):
    """A place came free and this waiting registration got it."""

    subject = "collab.events.registration.promoted.v1"

    registration_id: str = Field(description="The registration.", examples=["reg-7f3a"])
    company_id: CompanyId = Field(description="The registering company.", examples=["th-0105551234567"])
    event: EventSummary = Field(description="The event.", examples=[_EVENT])


class RegistrationCancelled(Contract):
    """A registration was cancelled (by the company, or erased with its data)."""

    subject = "collab.events.registration.cancelled.v1"

    registration_id: str = Field(description="The registration.", examples=["reg-7f3a"])
    company_id: CompanyId = Field(description="The registering company.", examples=["th-0105551234567"])
    event: EventSummary = Field(description="The event.", examples=[_EVENT])
    reason: Literal["cancelled", "withdrawn"] = Field(
        description="Cancelled by the company, or its profile withdrawn.", examples=["cancelled"]
    )


class MeetingScheduled(Contract):
    """A 1:1 meeting at a business-matching session: when, which table, whether an interpreter sits in."""

    subject = "collab.events.meeting.scheduled.v1"

    meeting_id: str = Field(description="The meeting.", examples=["mt-2f9c"])
    event: EventSummary = Field(description="The session.", examples=[_EVENT])
    company_ids: tuple[CompanyId, CompanyId] = Field(
        description="The two companies.", examples=[["th-0105551234567", "jp-1190001012345"]]
    )
    starts_at: AwareDatetime = Field(description="Slot start (UTC).", examples=["2027-02-10T03:00:00Z"])
    ends_at: AwareDatetime = Field(description="Slot end (UTC).", examples=["2027-02-10T03:20:00Z"])
    table: int = Field(description="Table number, from 1.", examples=[12], ge=1)
    interpreter: bool = Field(description="A th↔ja interpreter is assigned.", examples=[True])
    match_id: str | None = Field(
        default=None, description="The confirmed match that led to it, if any.", examples=["m-5f2c0e1a9b7d4c3e"]
    )


class MeetingCancelled(Contract):
    """A scheduled meeting will not take place."""

    subject = "collab.events.meeting.cancelled.v1"

    meeting_id: str = Field(description="The meeting.", examples=["mt-2f9c"])
    event: EventSummary = Field(description="The session.", examples=[_EVENT])
    company_ids: tuple[CompanyId, CompanyId] = Field(
        description="The two companies.", examples=[["th-0105551234567", "jp-1190001012345"]]
    )
    reason: Literal["registration_cancelled", "withdrawn", "rescheduled"] = Field(
        description="Why.", examples=["registration_cancelled"]
    )


class AttendanceRecorded(Contract):
    """Someone checked in (once per registration, whatever the scanners sent)."""

    subject = "collab.events.attendance.recorded.v1"

    registration_id: str = Field(description="The registration.", examples=["reg-7f3a"])
    company_id: CompanyId = Field(description="The company.", examples=["th-0105551234567"])
    event_id: str = Field(description="The event.", examples=["ev-2027-food-innovation-bkk"])
    checked_in_at: AwareDatetime = Field(description="When (UTC).", examples=["2027-02-10T02:05:00Z"])
