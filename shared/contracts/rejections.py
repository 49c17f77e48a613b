"""What an agency is told when one of its events is refused: `collab.out.<agency>.rejected.v1`."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, Part


class Problem(Part):
    """One thing wrong with a refused event, in plain words."""

    field: str = Field(
        description="Where the problem is: a dotted path into the data (`offers.0.kind`), "
        "a CloudEvents attribute (`ce-source`), or `body` for the message as a whole.",
        examples=["employees", "ce-source"],
    )
    problem: str = Field(
        description="What is wrong there and, where it helps, what is expected.",
        examples=["Input should be a valid integer, unable to parse string as an integer"],
    )


class EventRejected(Contract):
    """An event from the agency was refused and will not be processed; resend it corrected under a new id."""

    subject = "collab.out.{agency}.rejected.v1"

    event_id: str | None = Field(
        description="The refused event's `ce-id`, or null when it had none.",
        examples=["0b9e7f3c-2d1f-4f59-9a55-8f1d2a6c1e42"],
    )
    event_type: str | None = Field(
        description="The refused event's `ce-type`, or null when it had none.",
        examples=["collab.company.profile_submitted.v1"],
    )
    nats_subject: str = Field(
        description="The subject the event was published on.",
        examples=["collab.in.th-dip.company.profile_submitted.v1"],
    )
    stream_sequence: int = Field(
        description="The event's sequence number in the COLLAB_IN stream, which identifies it even without an id.",
        examples=[1042],
    )
    reason: str = Field(
        description="Why it was refused, in one sentence.",
        examples=["The data does not match the contract collab.company.profile_submitted.v1."],
    )
    problems: tuple[Problem, ...] = Field(
        description="Each problem found, field by field.",
        examples=[[{"field": "employees", "problem": "Input should be a valid integer"}]],
    )
    rejected_by: str = Field(
        description="The service that refused the event.",
        examples=["matching"],
    )
    rejected_at: AwareDatetime = Field(
        description="When it was refused (UTC).",
        examples=["2026-11-26T03:15:00Z"],
    )
