"""Types shared by several contracts: languages, multilingual text, company ids."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from shared.contracts.base import Part

Language = Literal["th", "ja", "en"]
"""The programme's three languages: notifications are written in one of them."""

LANGUAGE_CODE = r"^[a-z]{2}$"
COMPANY_ID = r"^(th|jp)-[A-Za-z0-9][A-Za-z0-9-]{2,62}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
TAXONOMY_ID = r"^[a-z][a-z0-9_]{1,63}$"
PATTERN_WORDS = {
    LANGUAGE_CODE: "is not a two-letter ISO 639-1 language code such as th, ja or en",
    COMPANY_ID: "is not a company id: th- or jp- followed by the registration number, e.g. th-0105551234567",
    EMAIL: "is not an e-mail address such as name@example.co.th",
    TAXONOMY_ID: "is not a taxonomy id: lower-case letters, digits and underscores, e.g. food_innovation",
}
"""What each pattern means, for rejections in plain words rather than regular expressions."""

LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_CODE)]
"""An ISO 639-1 code for a working language a company uses (th, ja, en, zh, …)."""

CompanyId = Annotated[str, StringConstraints(pattern=COMPANY_ID)]
"""`th-` + the Thai juristic person number, or `jp-` + the Japanese corporate number (or an agency's own id)."""

Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=80)]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class LocalizedText(Part):
    """The same text in Thai, Japanese and/or English; at least one of them."""

    en: Text | None = Field(default=None, description="English.", examples=["Siam Coastal Foods Co., Ltd."])
    th: Text | None = Field(default=None, description="Thai.", examples=["บริษัท สยามโคสตัลฟู้ดส์ จำกัด"])
    ja: Text | None = Field(default=None, description="Japanese.", examples=["サイアム・コースタル・フーズ株式会社"])

    @model_validator(mode="after")
    def _at_least_one(self) -> LocalizedText:
        if self.en is None and self.th is None and self.ja is None:
            raise ValueError("give the text in at least one of en, th, ja")
        return self
