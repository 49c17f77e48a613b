"""Small builders of the events the notify service reads, with Thai and Japanese companies by default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.agency.company import ProfileSubmitted, ProfileWithdrawn
from shared.contracts.agency.info import BulletinPublished
from shared.contracts.agency.notify import PreferencesUpdated, WebhookRegistered
from shared.contracts.events import (
    MeetingScheduled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from shared.contracts.matching import MatchConfirmed, MatchProposed
from shared.contracts.training import SkillRecordUpdated

THAI = "th-0105551234567"
JAPANESE = "jp-1190001012345"
AGENCY_OF = {"th": "th-dip", "jp": "jp-mie"}
NOW = datetime(2026, 11, 26, 3, 15, tzinfo=UTC)


def agency_of(company_id: str) -> str:
    return AGENCY_OF[company_id[:2]]


def profile(
    company_id: str = THAI,
    *,
    version: int = 1,
    email: str | None = None,
    language: str | None = None,
    line_id: str | None = None,
    fields: tuple[str, ...] = ("food_innovation",),
    name: dict[str, str] | None = None,
) -> ProfileSubmitted:
    thai = company_id.startswith("th-")
    return ProfileSubmitted.model_validate(
        {
            "company_id": company_id,
            "profile_version": version,
            "country": "TH" if thai else "JP",
            "region": "Chonburi" if thai else "Yokkaichi",
            "name": name
            or (
                {"en": "Siam Coastal Foods Co., Ltd.", "th": "บริษัท สยามโคสตัลฟู้ดส์ จำกัด"}
                if thai
                else {"en": "Mie Refrigeration Machinery Co., Ltd.", "ja": "三重冷凍機械株式会社"}
            ),
            "fields": list(fields),
            "contact": {
                "name": "Somchai P." if thai else "田中 一郎",
                "email": email or (f"contact@{company_id}.example"),
                "phone": "+66 38 123 456" if thai else "+81 59 123 4567",
                "line_id": line_id,
                "preferred_language": language or ("th" if thai else "ja"),
            },
            "consent": {"matching": True, "share_contact_on_mutual_accept": True},
        }
    )


def withdrawal(company_id: str = THAI) -> ProfileWithdrawn:
    return ProfileWithdrawn(company_id=company_id, reason="Company request under PDPA section 33")


def party(company_id: str) -> dict[str, Any]:
    thai = company_id.startswith("th-")
    return {
        "company_id": company_id,
        "agency": agency_of(company_id),
        "country": "TH" if thai else "JP",
        "region": "Chon Buri" if thai else "Yokkaichi",
        "name": {"en": "Siam Coastal Foods", "th": "สยามโคสตัลฟู้ดส์"}
        if thai
        else {"en": "Mie Refrigeration Machinery", "ja": "三重冷凍機械"},
    }


def match_proposed(a: str = THAI, b: str = JAPANESE, *, match_id: str = "m-5f2c0e1a9b7d4c3e") -> MatchProposed:
    return MatchProposed.model_validate(
        {
            "match_id": match_id,
            "a": party(a),
            "b": party(b),
            "score": 0.82,
            "reasons": [
                {"code": "offer_meets_request", "offered_by": "b", "tags": ["cold chain"], "weight": 0.4},
                {"code": "shared_field", "fields": ["food_innovation"], "weight": 0.2},
                {"code": "verified_capability", "offered_by": "a", "skills": ["food_safety_haccp"], "weight": 0.2},
                {"code": "interpreter_needed", "weight": 0.0},
            ],
            "interpreter_needed": True,
            "proposed_at": NOW.isoformat(),
            "expires_at": (NOW + timedelta(days=14)).isoformat(),
        }
    )


def contact_of(company_id: str) -> dict[str, Any]:
    return profile(company_id).contact.model_dump()


def match_confirmed(a: str = THAI, b: str = JAPANESE, *, share_b: bool = True) -> MatchConfirmed:
    return MatchConfirmed.model_validate(
        {
            "match_id": "m-5f2c0e1a9b7d4c3e",
            "a": {**_confirmed(a), "contact": contact_of(a)},
            "b": {**_confirmed(b), "contact": contact_of(b) if share_b else None},
            "confirmed_at": (NOW + timedelta(days=2)).isoformat(),
        }
    )


def _confirmed(company_id: str) -> dict[str, Any]:
    details = party(company_id)
    return {"company_id": company_id, "agency": details["agency"], "name": details["name"]}


EVENT = {
    "event_id": "ev-2027-food-innovation-bkk",
    "kind": "business_matching_session",
    "title": {
        "en": "Thai–Mie Food Innovation Business Matching",
        "th": "การจับคู่ธุรกิจนวัตกรรมอาหารไทย–มิเอะ",
        "ja": "タイ・三重 食品イノベーション商談会",
    },
    "starts_at": "2026-11-26T02:00:00Z",
    "ends_at": "2026-11-26T09:00:00Z",
    "timezone": "Asia/Bangkok",
    "venue": {"en": "BITEC, Bangkok", "th": "ไบเทค กรุงเทพฯ", "ja": "BITEC（バンコク）"},
}


def registration_confirmed(company_id: str = THAI) -> RegistrationConfirmed:
    return RegistrationConfirmed.model_validate(
        {"registration_id": "reg-7f3a", "company_id": company_id, "event": EVENT}
    )


def registration_waitlisted(company_id: str = THAI, position: int = 3) -> RegistrationWaitlisted:
    return RegistrationWaitlisted.model_validate(
        {"registration_id": "reg-7f3a", "company_id": company_id, "event": EVENT, "position": position}
    )


def registration_promoted(company_id: str = THAI) -> RegistrationPromoted:
    return RegistrationPromoted.model_validate(
        {"registration_id": "reg-7f3a", "company_id": company_id, "event": EVENT}
    )


def meeting_scheduled(first: str = THAI, second: str = JAPANESE) -> MeetingScheduled:
    return MeetingScheduled.model_validate(
        {
            "meeting_id": "mt-2f9c",
            "event": EVENT,
            "company_ids": [first, second],
            "starts_at": "2026-11-26T03:00:00Z",
            "ends_at": "2026-11-26T03:20:00Z",
            "table": 12,
            "interpreter": True,
            "match_id": "m-5f2c0e1a9b7d4c3e",
        }
    )


def skill_record_updated(company_id: str = THAI, holders: int = 3) -> SkillRecordUpdated:
    return SkillRecordUpdated.model_validate(
        {
            "company_id": company_id,
            "skill_id": "food_safety_haccp",
            "skill": {"en": "Food safety (HACCP)", "th": "ความปลอดภัยอาหาร (HACCP)", "ja": "食品安全（HACCP）"},
            "holders": holders,
            "levels": {"introductory": 2, "intermediate": 1, "advanced": 0},
            "course_id": "c-haccp-101",
            "updated_at": NOW.isoformat(),
        }
    )


def bulletin(
    bulletin_id: str = "fi-2026-11-haccp-week",
    *,
    fields: tuple[str, ...] = ("food_innovation",),
    countries: tuple[str, ...] = (),
    title: dict[str, str] | None = None,
) -> BulletinPublished:
    return BulletinPublished.model_validate(
        {
            "bulletin_id": bulletin_id,
            "title": title
            or {
                "en": "HACCP week: free audits for seafood processors",
                "th": "สัปดาห์ HACCP: ตรวจประเมินฟรีสำหรับผู้แปรรูปอาหารทะเล",
                "ja": "HACCPウィーク：水産加工業者向け無料監査",
            },
            "body": {
                "en": "Mie Prefecture's food research centre offers ten free HACCP audits.",
                "th": "ศูนย์วิจัยอาหารจังหวัดมิเอะเปิดให้ขอรับการตรวจประเมิน HACCP ฟรี 10 ราย",
                "ja": "三重県の食品研究センターが無料のHACCP監査を10社に提供します。",
            },
            "fields": list(fields),
            "countries": list(countries),
            "link": "https://www.mie-food.example.jp/haccp-week",
            "published_at": NOW.isoformat(),
        }
    )


def preferences(company_id: str = THAI, **values: Any) -> PreferencesUpdated:
    return PreferencesUpdated.model_validate({"company_id": company_id, **values})


def webhook(url: str, *, categories: tuple[str, ...] = (), enabled: bool = True) -> WebhookRegistered:
    return WebhookRegistered.model_validate({"url": url, "categories": list(categories), "enabled": enabled})
