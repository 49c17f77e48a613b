"""Exhibitions, seminars and business-matching sessions an agency publishes, and what companies do at them."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from shared.contracts.agency.company import Email
from shared.contracts.base import Contract, Part
from shared.contracts.common import CompanyId, LanguageCode, LocalizedText, Text
from shared.contracts.events import EventKind, TimeZone

EventId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
"""An event's id, chosen by the agency that publishes it: lower-case letters, digits and hyphens."""

RecordId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{2,99}$")]
"""A registration's or meeting request's id, chosen by the sending agency, unique across agencies
(a UUID, or the agency's prefix and its own number: `th-dip-reg-000123`)."""

Nonce = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,128}$")]
"""A random value a scanner draws once per scan, so that a scan sent twice counts once."""

FieldId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]

Url = Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=500)]

PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

Format = Literal["in_person", "online", "hybrid"]

_GRID = {
    "first_slot_starts_at": "2027-02-10T03:00:00Z",
    "slot_minutes": 20,
    "break_minutes": 5,
    "slots": 12,
    "tables": 40,
    "interpreters": 6,
}


class MeetingGrid(Part):
    """The 1:1 meeting timetable of a business-matching session: consecutive slots, tables, interpreters.

    Slot `i` (from 0) starts at `first_slot_starts_at + i × (slot_minutes + break_minutes)`.
    """

    first_slot_starts_at: AwareDatetime = Field(
        description="When the first meeting slot starts (any offset; stored in UTC).",
        examples=["2027-02-10T03:00:00Z"],
    )
    slot_minutes: int = Field(description="Length of one meeting.", examples=[20], ge=5, le=240)
    break_minutes: int = Field(
        default=0, description="Pause between two consecutive slots (table changes).", examples=[5], ge=0, le=240
    )
    slots: int = Field(description="How many slots the session has.", examples=[12], ge=1, le=96)
    tables: int = Field(description="Meeting tables, numbered from 1: meetings at once.", examples=[40], ge=1, le=1000)
    interpreters: int = Field(
        description="Thai↔Japanese interpreters on duty in every slot; each sits in on one meeting at a time.",
        examples=[6],
        ge=0,
        le=1000,
    )


class EventPublished(Contract):
    """An event, created or changed: a snapshot, the highest `revision` wins. Only its publisher may change it.

    Capacity counts registrations (one company each, with up to `attendees_per_registration`
    people). Lowering it never takes a place away; raising it promotes the waiting list in order.
    """

    subject = "collab.in.{agency}.event.published.v1"

    event_id: EventId = Field(
        description="The event, stable across revisions; lower-case letters, digits and hyphens.",
        examples=["ev-2027-food-innovation-bkk"],
    )
    revision: int = Field(
        description="Increases with every change; a revision not higher than the one held is ignored.",
        examples=[1],
        ge=1,
    )
    kind: EventKind = Field(
        description="Exhibition, seminar or business-matching session; it cannot change later.",
        examples=["business_matching_session"],
    )
    title: LocalizedText = Field(
        description="The title, in as many of th/ja/en as the agency has.",
        examples=[
            {
                "en": "Thai–Mie Food Innovation Business Matching",
                "th": "การจับคู่ธุรกิจนวัตกรรมอาหารไทย–มิเอะ",
                "ja": "タイ・三重 食品イノベーション商談会",
            }
        ],
    )
    description: LocalizedText | None = Field(
        default=None,
        description="What happens there.",
        examples=[
            {
                "en": "Pre-arranged 1:1 meetings between Thai food processors and Mie equipment makers.",
                "th": "การเจรจาธุรกิจแบบตัวต่อตัวระหว่างผู้แปรรูปอาหารไทยกับผู้ผลิตเครื่องจักรจากมิเอะ",
                "ja": "タイの食品加工企業と三重の設備メーカーによる事前予約制の個別商談。",
            }
        ],
    )
    format: Format = Field(
        description="In person (needs `venue`), online (needs `online_url`) or hybrid (needs both).",
        examples=["hybrid"],
    )
    venue: LocalizedText | None = Field(
        default=None,
        description="Where it takes place.",
        examples=[{"en": "BITEC, Bangkok", "th": "ไบเทค กรุงเทพฯ", "ja": "BITEC（バンコク）"}],
    )
    online_url: Url | None = Field(
        default=None, description="Where to join online (https).", examples=["https://meet.example.org/thai-mie"]
    )
    timezone: TimeZone = Field(
        description="The venue's IANA time zone, in which times are shown to the public.", examples=["Asia/Bangkok"]
    )
    starts_at: AwareDatetime = Field(
        description="Start, with its offset (`+07:00`, `+09:00` or `Z`).", examples=["2027-02-10T09:00:00+07:00"]
    )
    ends_at: AwareDatetime = Field(description="End, after the start.", examples=["2027-02-10T16:00:00+07:00"])
    capacity: int = Field(
        description="Registrations that get a place; later ones join the waiting list.", examples=[80], ge=1, le=100_000
    )
    attendees_per_registration: int = Field(
        default=2, description="Most people one registration may bring.", examples=[2], ge=1, le=50
    )
    registration_opens_at: AwareDatetime = Field(
        description="Registrations submitted before this are refused.", examples=["2026-12-01T00:00:00Z"]
    )
    registration_closes_at: AwareDatetime = Field(
        description="Registrations submitted at or after this are refused; not after the end.",
        examples=["2027-02-03T17:00:00Z"],
    )
    fields: tuple[FieldId, ...] = Field(
        default=(),
        description="Fields of cooperation the event is about (ids of the programme's taxonomy).",
        examples=[["food_innovation", "agriculture_agritech"]],
    )
    meeting_grid: MeetingGrid | None = Field(
        default=None,
        description="The 1:1 meeting timetable: required for a business-matching session, absent otherwise.",
        examples=[_GRID],
    )

    @model_validator(mode="after")
    def _consistent(self) -> EventPublished:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.registration_closes_at <= self.registration_opens_at:
            raise ValueError("registration_closes_at must be after registration_opens_at")
        if self.registration_closes_at > self.ends_at:
            raise ValueError("registration_closes_at must not be after ends_at")
        if self.format in ("in_person", "hybrid") and self.venue is None:
            raise ValueError(f"a {self.format.replace('_', '-')} event needs a venue")
        if self.format in ("online", "hybrid") and self.online_url is None:
            raise ValueError(f"an {self.format} event needs an online_url")
        grid = self.meeting_grid
        if self.kind == "business_matching_session":
            if grid is None:
                raise ValueError("a business_matching_session needs a meeting_grid")
            last_slot_ends_at = grid.first_slot_starts_at + timedelta(
                minutes=grid.slots * grid.slot_minutes + (grid.slots - 1) * grid.break_minutes
            )
            if grid.first_slot_starts_at < self.starts_at or last_slot_ends_at > self.ends_at:
                raise ValueError(
                    f"the meeting grid ({grid.first_slot_starts_at.isoformat()} to "
                    f"{last_slot_ends_at.isoformat()}) must lie between starts_at and ends_at"
                )
        elif grid is not None:
            raise ValueError(f"only a business_matching_session has a meeting_grid, not a {self.kind}")
        return self


class Attendee(Part):
    """A person a company sends: personal data, erased when the company withdraws."""

    name: PersonName = Field(description="Full name, as on the badge.", examples=["Somchai Phongsawat"])
    email: Email | None = Field(default=None, description="E-mail address.", examples=["somchai@example.co.th"])
    job_title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="Position in the company.", examples=["Export manager"]
    )
    languages: tuple[LanguageCode, ...] = Field(
        min_length=1,
        description="Languages this person can hold a meeting in (ISO 639-1); they decide whether a meeting "
        "needs a Thai↔Japanese interpreter.",
        examples=[["th", "en"]],
    )


class RegistrationSubmitted(Contract):
    """A company registers for an event: it gets a place, or joins the waiting list.

    One active registration per company and event: the same `registration_id` again is ignored; another
    id for a company already registered (confirmed or waiting) is refused, naming the registration held.
    """

    subject = "collab.in.{agency}.event.registration_submitted.v1"

    registration_id: RecordId = Field(
        description="The registration, unique across agencies (used once: a cancelled id is not reused).",
        examples=["th-dip-reg-000123"],
    )
    event_id: EventId = Field(description="The event.", examples=["ev-2027-food-innovation-bkk"])
    company_id: CompanyId = Field(description="The registering company.", examples=["th-0105551234567"])
    attendees: tuple[Attendee, ...] = Field(
        min_length=1,
        description="Who will come (at most the event's `attendees_per_registration`).",
        examples=[[{"name": "Somchai Phongsawat", "email": "somchai@example.co.th", "languages": ["th", "en"]}]],
    )
    submitted_at: AwareDatetime = Field(
        description="When the company submitted it: must fall inside the event's registration window.",
        examples=["2026-12-05T02:30:00Z"],
    )


class RegistrationCancellationSubmitted(Contract):
    """A company cancels its registration: its place goes to the next in line, its meetings are cancelled."""

    subject = "collab.in.{agency}.event.registration_cancelled.v1"

    registration_id: RecordId = Field(
        description="The registration, as registered by the same agency.", examples=["th-dip-reg-000123"]
    )
    cancelled_at: AwareDatetime = Field(
        description="When the company cancelled.", examples=["2027-01-20T08:00:00+07:00"]
    )


class CheckInRecorded(Contract):
    """A badge was scanned at the entrance. Scans carrying the same nonce count once; a registration's
    first accepted scan is its attendance."""

    subject = "collab.in.{agency}.event.attendance_recorded.v1"

    registration_id: RecordId = Field(description="The registration scanned.", examples=["th-dip-reg-000123"])
    nonce: Nonce = Field(
        description="Drawn by the scanner once per scan (8–128 letters, digits, `-` or `_`); resend a scan "
        "with the same nonce.",
        examples=["Qm7rX2pLk9aW"],
    )
    checked_in_at: AwareDatetime = Field(
        description="When the badge was scanned, by the scanner's clock.", examples=["2027-02-10T09:05:00+07:00"]
    )
    device: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None, description="Which scanner or gate, for the record.", examples=["hall-98-gate-2"]
    )


class MeetingRequested(Contract):
    """At a business-matching session, one registered company asks to meet another; the other must accept.

    Sent by the agency that registered the requester. Unanswered, the request expires at `respond_by`
    (by default three days after `requested_at`), and in any case when the session's first slot starts.
    """

    subject = "collab.in.{agency}.event.meeting_requested.v1"

    request_id: RecordId = Field(description="The request, unique across agencies.", examples=["th-dip-mr-000042"])
    event_id: EventId = Field(description="The business-matching session.", examples=["ev-2027-food-innovation-bkk"])
    requester_company_id: CompanyId = Field(
        description="The company asking; it must hold a confirmed registration.", examples=["th-0105551234567"]
    )
    invitee_company_id: CompanyId = Field(
        description="The company asked; it must hold a confirmed registration.", examples=["jp-1190001012345"]
    )
    message: Text | None = Field(
        default=None,
        description="A note to the invitee (erased with the company's personal data).",
        examples=["We would like to discuss quick-freezing lines for shrimp."],
    )
    requested_at: AwareDatetime = Field(description="When the request was made.", examples=["2027-01-15T04:00:00Z"])
    respond_by: AwareDatetime | None = Field(
        default=None,
        description="Until when the invitee may accept; null for the service's default.",
        examples=["2027-01-22T04:00:00Z"],
    )

    @model_validator(mode="after")
    def _two_companies(self) -> MeetingRequested:
        if self.requester_company_id == self.invitee_company_id:
            raise ValueError("a company cannot request a meeting with itself")
        if self.respond_by is not None and self.respond_by <= self.requested_at:
            raise ValueError("respond_by must be after requested_at")
        return self


class MeetingResponseSubmitted(Contract):
    """The invited company accepts or declines a meeting request; accepted requests are scheduled.

    Sent by the agency that registered the invitee. The same answer again is ignored; a different
    answer to a request already answered, or an answer after it expired, is refused.
    """

    subject = "collab.in.{agency}.event.meeting_response_submitted.v1"

    request_id: RecordId = Field(description="The request answered.", examples=["th-dip-mr-000042"])
    company_id: CompanyId = Field(description="The invited company, answering.", examples=["jp-1190001012345"])
    response: Literal["accept", "decline"] = Field(description="The answer.", examples=["accept"])
    responded_at: AwareDatetime = Field(description="When it answered.", examples=["2027-01-16T01:30:00Z"])
