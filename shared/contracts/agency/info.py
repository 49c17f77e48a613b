"""Information exchange (agreement item 3): bulletins an agency publishes to the companies of some fields."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shared.contracts.base import Contract
from shared.contracts.common import LocalizedText

BulletinId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
FieldId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class BulletinPublished(Contract):
    """News for the companies working in some fields of cooperation (food innovation first).

    Sent to every registered company sharing one of `fields` (and in one of `countries`, when
    given), at once or in its daily digest. Publishing the same `bulletin_id` again corrects the
    text of digests not yet sent, and notifies nobody twice.
    """

    subject = "collab.in.{agency}.info.bulletin_published.v1"

    bulletin_id: BulletinId = Field(
        description="The agency's id for the bulletin, stable across corrections.", examples=["fi-2026-11-haccp-week"]
    )
    title: LocalizedText = Field(
        description="The headline, in as many of the three languages as the agency has.",
        examples=[
            {
                "en": "HACCP week: free audits for seafood processors",
                "th": "สัปดาห์ HACCP: ตรวจประเมินฟรีสำหรับผู้แปรรูปอาหารทะเล",
                "ja": "HACCPウィーク：水産加工業者向け無料監査",
            }
        ],
    )
    body: LocalizedText = Field(
        description="The text (plain text, paragraphs separated by blank lines).",
        examples=[
            {
                "en": "Mie Prefecture's food research centre offers ten free HACCP audits to Thai seafood processors.",
                "th": "ศูนย์วิจัยอาหารจังหวัดมิเอะเปิดให้ผู้แปรรูปอาหารทะเลไทยขอรับการตรวจประเมิน HACCP ฟรี 10 ราย",
                "ja": "三重県の食品研究センターが、タイの水産加工業者10社に無料のHACCP監査を提供します。",
            }
        ],
    )
    fields: tuple[FieldId, ...] = Field(
        min_length=1,
        description="Fields of cooperation (taxonomy ids) it concerns; companies in any of them receive it.",
        examples=[["food_innovation"]],
    )
    countries: tuple[Literal["TH", "JP"], ...] = Field(
        default=(),
        description="Only companies in these countries; empty for both.",
        examples=[["TH"]],
    )
    link: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)] | None = Field(
        default=None,
        description="Where to read more.",
        examples=["https://www.mie-food.example.jp/haccp-week"],
    )
    published_at: AwareDatetime = Field(description="When it was published.", examples=["2026-11-26T01:00:00Z"])
