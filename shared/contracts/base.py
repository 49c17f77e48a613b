"""The base of every event contract: a frozen pydantic model that knows its subject and CloudEvents type."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from shared.contracts.subjects import SubjectTemplate


class Contract(BaseModel):
    """An event's data, as published on one subject.

    Subclasses set `subject` (see `shared.contracts.subjects`); every field carries a description
    and an example, which feed the JSON Schemas and the AsyncAPI document. Unknown fields are
    ignored, so a producer may add optional fields within a version without breaking consumers.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    subject: ClassVar[str]
    """The subject template, e.g. `collab.in.{agency}.company.profile_submitted.v1`."""

    route: ClassVar[SubjectTemplate]

    payload_examples: ClassVar[tuple[dict[str, object], ...]] = ()
    """Whole example payloads, when the field examples do not combine into a good one (alternative forms)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "subject" in cls.__dict__:
            cls.route = SubjectTemplate.parse(cls.subject)
            undocumented = [
                name for name, field in cls.model_fields.items() if not field.description or not field.examples
            ]
            if undocumented:
                raise TypeError(
                    f"{cls.__name__}: every field needs a description and an example: {', '.join(undocumented)}"
                )

    @classmethod
    def ce_type(cls) -> str:
        """The CloudEvents `type`: the subject without its agency part."""
        return cls.route.ce_type


class Part(BaseModel):
    """A nested part of a contract (an address, a list item): frozen and tolerant like `Contract`."""

    model_config = ConfigDict(frozen=True, extra="ignore")
