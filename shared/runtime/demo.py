"""The demo load of `kakehashi up`: Thai and Mie companies, a business-matching session, courses and completions.

Every event has a fixed id, so a second run republishes nothing new in effect (each service's inbox
already holds it); only the session, dated from the day of the run, is new on a new day.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.contracts.agency.company import Consent, Contact, Listing, ProfileSubmitted
from shared.contracts.agency.event import EventPublished, RegistrationSubmitted
from shared.contracts.agency.info import BulletinPublished
from shared.contracts.agency.match import MatchResponseSubmitted
from shared.contracts.agency.training import CompletionRecorded, CoursePublished
from shared.contracts.base import Contract
from shared.contracts.common import LocalizedText
from shared.contracts.subjects import agency_source
from shared.messaging.envelope import OutgoingMessage, encode
from shared.synthetic import agency_of, profiles

COMPANIES = 22
SEED = 2026
_IDS = uuid.UUID("6f1c2d9e-8a47-4f0b-9b2e-5d3a1c7e4b10")

ISE_BAY = ProfileSubmitted(
    company_id="jp-5190001099999",
    profile_version=1,
    country="JP",
    region="Ise",
    name=LocalizedText(en="Ise Bay Seafood Co., Ltd.", ja="伊勢湾水産株式会社", th="บริษัท อิเสะเบย์ ซีฟู้ด จำกัด"),
    description=LocalizedText(en="Importer of frozen seafood for supermarkets in the Chubu region"),
    sectors=("4630",),
    fields=("food_innovation",),
    languages=("ja",),
    offers=(Listing(kind="business_offer", tags=("japanese market access",), partnership=("supplier",)),),
    requests=(
        Listing(
            kind="business_request",
            tags=("frozen shrimp", "frozen squid", "haccp"),
            partnership=("supplier",),
            certifications=("HACCP",),
        ),
    ),
    contact=Contact(name="Yuki Suzuki", email="y.suzuki@isebay.example.jp", preferred_language="ja"),
    consent=Consent(matching=True, share_contact_on_mutual_accept=True),
)
"""Buys frozen shrimp only from HACCP-certified suppliers."""

CHANTHABURI = ProfileSubmitted(
    company_id="th-0225559876543",
    profile_version=1,
    country="TH",
    region="จันทบุรี",
    name=LocalizedText(en="Chanthaburi Shrimp Co., Ltd.", th="บริษัท จันทบุรีชริมป์ จำกัด", ja="チャンタブリー・シュリンプ社"),
    description=LocalizedText(en="Shrimp and squid packer on the eastern seaboard"),
    sectors=("10211",),
    fields=("food_innovation",),
    languages=("th",),
    offers=(
        Listing(kind="business_offer", tags=("frozen shrimp", "frozen squid"), partnership=("buyer", "distributor")),
    ),
    requests=(Listing(kind="technology_request", tags=("packaging machinery",), partnership=("supplier",)),),
    contact=Contact(name="Nattaya Kaewkla", email="nattaya@ctbshrimp.example.co.th", preferred_language="th"),
    consent=Consent(matching=True, share_contact_on_mutual_accept=True),
)
"""Lacks HACCP at first: its staff's HACCP course is what makes it Ise Bay's match."""

HACCP_COURSE = CoursePublished.model_validate(
    {
        "course_id": "c-haccp-101",
        "course_version": 1,
        "title": {
            "en": "HACCP for seafood processors",
            "th": "HACCP สำหรับผู้แปรรูปอาหารทะเล",
            "ja": "水産加工業者のためのHACCP",
        },
        "provider": "Mie Prefecture Industrial Research Institute",
        "hours": 16,
        "level": "intermediate",
        "skills": ["food_safety_haccp", "food_hygiene"],
        "activity_id": "https://lms.mie-iri.example.jp/xapi/activities/course/haccp-101",
        "passing_score": 70,
    }
)
LEAN_COURSE = CoursePublished.model_validate(
    {
        "course_id": "c-lean-201",
        "course_version": 1,
        "title": {"en": "Lean manufacturing and kaizen", "th": "การผลิตแบบลีนและไคเซ็น", "ja": "リーン生産とカイゼン"},
        "provider": "Thailand Productivity Institute",
        "hours": 24,
        "level": "introductory",
        "skills": ["lean_manufacturing"],
        "activity_id": "https://lms.ftpi.example.or.th/courses/lean-201",
        "passing_score": 60,
    }
)


@dataclass(frozen=True)
class Step:
    """One event of the demo, with the line the screen shows while it is sent."""

    label: str
    message: OutgoingMessage


def _id(name: str) -> str:
    return str(uuid.uuid5(_IDS, name))


def _event(data: Contract, agency: str, name: str, subject_id: str | None = None) -> Step:
    message = encode(data, source=agency_source(agency), agency=agency, subject_id=subject_id, event_id=_id(name))
    return Step(name, message)


def companies() -> list[ProfileSubmitted]:
    return [ISE_BAY, CHANTHABURI, *profiles(COMPANIES, seed=SEED)]


def session_day(today: date) -> date:
    """The Wednesday at least three weeks ahead: an upcoming session whoever runs the demo, whenever."""
    day = today + timedelta(days=21)
    return day + timedelta(days=(2 - day.weekday()) % 7)


def steps(today: date) -> Iterator[Step]:
    """Everything the agencies send, in order: companies, the session and registrations, training, news."""
    everyone = companies()
    for profile in everyone:
        yield _event(
            profile, agency_of(profile), f"profile {profile.company_id} v{profile.profile_version}", profile.company_id
        )

    day = session_day(today)
    bangkok = timedelta(hours=7)
    starts = datetime.combine(day, time(9, 0), tzinfo=UTC) - bangkok
    event_id = f"ev-demo-{day:%Y%m%d}"
    opens = datetime.combine(today, time(0, 0), tzinfo=UTC) - timedelta(days=7)
    session = EventPublished.model_validate(
        {
            "event_id": event_id,
            "revision": 1,
            "kind": "business_matching_session",
            "title": {
                "en": "Thai–Mie Food Innovation Business Matching",
                "th": "การจับคู่ธุรกิจนวัตกรรมอาหารไทย–มิเอะ",
                "ja": "タイ・三重 食品イノベーション商談会",
            },
            "format": "in_person",
            "venue": {"en": "BITEC, Bangkok", "th": "ไบเทค กรุงเทพฯ", "ja": "BITEC（バンコク）"},
            "timezone": "Asia/Bangkok",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=7)).isoformat(),
            "capacity": len(everyone) - 4,
            "registration_opens_at": opens.isoformat(),
            "registration_closes_at": (starts - timedelta(days=2)).isoformat(),
            "fields": ["food_innovation", "logistics_cold_chain"],
            "meeting_grid": {
                "first_slot_starts_at": (starts + timedelta(hours=1)).isoformat(),
                "slot_minutes": 20,
                "break_minutes": 5,
                "slots": 10,
                "tables": 8,
                "interpreters": 2,
            },
        }
    )
    yield _event(session, "th-dip", f"session {event_id}", event_id)
    for number, profile in enumerate(everyone, start=1):
        registration = RegistrationSubmitted.model_validate(
            {
                "registration_id": f"{event_id}-r{number:03d}",
                "event_id": event_id,
                "company_id": profile.company_id,
                "attendees": [
                    {
                        "name": profile.contact.name,
                        "email": profile.contact.email,
                        "languages": list(profile.languages) or [profile.contact.preferred_language],
                    }
                ],
                "submitted_at": (opens + timedelta(hours=number)).isoformat(),
            }
        )
        yield _event(
            registration, agency_of(profile), f"registration {event_id} {profile.company_id}", profile.company_id
        )

    yield _event(HACCP_COURSE, "jp-mie", "course c-haccp-101")
    yield _event(LEAN_COURSE, "th-dip", "course c-lean-201")
    learners = [(CHANTHABURI, "anan@ctbshrimp.example.co.th", 88), (CHANTHABURI, "porn@ctbshrimp.example.co.th", 64)]
    learners += [(p, f"staff1@{p.company_id}.example", 91) for p in everyone if p.country == "TH"][1:4]
    for profile, mbox, score in learners:
        statement = CompletionRecorded.model_validate(
            {
                "company_id": profile.company_id,
                "statement": {
                    "id": _id(f"statement {mbox} haccp"),
                    "actor": {"objectType": "Agent", "mbox": f"mailto:{mbox}"},
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
                    "object": {"objectType": "Activity", "id": HACCP_COURSE.activity_id},
                    "result": {"score": {"raw": score, "min": 0, "max": 100}, "completion": True},
                    "timestamp": "2026-11-20T09:30:00+07:00",
                },
            }
        )
        yield _event(statement, "th-dip", f"completion {mbox} haccp", profile.company_id)
    for profile in [p for p in everyone if p.country == "TH"][4:6]:
        simple = CompletionRecorded.model_validate(
            {
                "company_id": profile.company_id,
                "learner_id": f"{profile.company_id}-emp-7",
                "course_id": "c-lean-201",
                "completed_at": "2026-11-18T16:00:00+07:00",
                "score": 82,
                "passed": True,
                "record_id": f"lean-{profile.company_id}",
            }
        )
        yield _event(simple, "th-dip", f"completion {profile.company_id} lean", profile.company_id)

    bulletin = BulletinPublished.model_validate(
        {
            "bulletin_id": "fi-demo-haccp-week",
            "title": {
                "en": "HACCP week: free audits for seafood processors",
                "th": "สัปดาห์ HACCP: ตรวจประเมินฟรีสำหรับผู้แปรรูปอาหารทะเล",
                "ja": "HACCPウィーク：水産加工業者向け無料監査",
            },
            "body": {
                "en": "Mie Prefecture's food research centre offers ten free HACCP audits to Thai seafood processors.",
                "th": "ศูนย์วิจัยอาหารจังหวัดมิเอะเปิดให้ผู้แปรรูปอาหารทะเลไทยขอรับการตรวจประเมิน HACCP ฟรี 10 ราย",
                "ja": "三重県の食品研究センターが、タイの水産加工業者10社に無料のHACCP監査を提供します。",
            },
            "fields": ["food_innovation"],
            "countries": ["TH"],
            "link": "https://www.mie-food.example.jp/haccp-week",
            "published_at": "2026-11-26T01:00:00Z",
        }
    )
    yield _event(bulletin, "jp-mie", "bulletin fi-demo-haccp-week")


def acceptance(match_id: str, company_id: str) -> OutgoingMessage:
    """A company's yes to a proposed match, as its agency would relay it (the demo accepts on their behalf)."""
    agency = "th-dip" if company_id.startswith("th-") else "jp-mie"
    answer = MatchResponseSubmitted(match_id=match_id, company_id=company_id, response="accept")
    return encode(
        answer,
        source=agency_source(agency),
        agency=agency,
        subject_id=match_id,
        event_id=_id(f"{match_id} {company_id}"),
    )
