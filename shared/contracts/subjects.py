"""The subject scheme of DESIGN.md: who may publish where, and the CloudEvents type and source that go with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SERVICES = ("matching", "events", "training", "notify")
"""The services that own a subject prefix `collab.<service>.…` and a stream of their own."""

AGENCY_PATTERN = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
"""An agency id such as `th-dip` or `jp-mie`: lower-case, digits and single hyphens; a valid NATS token."""
MAX_AGENCY_LENGTH = 64
"""The longest agency id: what the services' tables keep of it."""

_AGENCY = re.compile(rf"^{AGENCY_PATTERN}$")
_NAME = r"[a-z][a-z0-9_]*"
_INBOUND = re.compile(rf"^collab\.in\.\{{agency\}}\.(?P<rest>{_NAME}\.{_NAME}\.v[1-9][0-9]*)$")
_TO_AGENCY = re.compile(rf"^collab\.out\.\{{agency\}}\.(?P<rest>{_NAME}(?:\.{_NAME})?\.v[1-9][0-9]*)$")
_SERVICE = re.compile(rf"^collab\.(?P<service>{'|'.join(SERVICES)})\.{_NAME}\.{_NAME}\.v[1-9][0-9]*$")

Direction = Literal["inbound", "service", "to_agency"]


class SubjectError(ValueError):
    """A subject or source that does not fit the scheme."""


@dataclass(frozen=True, slots=True)
class SubjectTemplate:
    """A contract's subject, with `{agency}` standing for the agency part where there is one.

    `collab.in.{agency}.company.profile_submitted.v1`, `collab.matching.match.proposed.v1` and
    `collab.out.{agency}.rejected.v1` are the three shapes.
    """

    template: str
    direction: Direction
    ce_type: str
    service: str | None = None

    @classmethod
    def parse(cls, template: str) -> SubjectTemplate:
        if match := _INBOUND.match(template):
            return cls(template, "inbound", f"collab.{match['rest']}")
        if match := _TO_AGENCY.match(template):
            return cls(template, "to_agency", f"collab.out.{match['rest']}")
        if match := _SERVICE.match(template):
            return cls(template, "service", template, match["service"])
        raise SubjectError(
            f"{template!r} fits none of the subject shapes: collab.in.{{agency}}.<context>.<event>.vN, "
            f"collab.<{'|'.join(SERVICES)}>.<entity>.<verb>.vN, collab.out.{{agency}}.<event>.vN"
        )

    @property
    def has_agency(self) -> bool:
        return self.direction != "service"

    def address(self, agency: str | None = None) -> str:
        """The concrete subject; `agency` is required exactly when the template has an agency part."""
        if not self.has_agency:
            if agency is not None:
                raise SubjectError(f"{self.template} has no agency part")
            return self.template
        if agency is None:
            raise SubjectError(f"{self.template} needs an agency")
        return self.template.replace("{agency}", check_agency(agency))

    @property
    def filter(self) -> str:
        """The NATS filter matching the subject for every agency."""
        return self.template.replace("{agency}", "*")

    def matches(self, subject: str) -> bool:
        """Whether `subject` is a concrete subject of this template, with an agency id in its agency part."""
        tokens, parts = self.template.split("."), subject.split(".")
        return len(tokens) == len(parts) and all(
            part == token or (token == "{agency}" and is_agency(part))
            for token, part in zip(tokens, parts, strict=True)
        )

    def agency_of(self, subject: str) -> str | None:
        """The agency part of a concrete subject of this template (None for service subjects)."""
        if not self.has_agency:
            return None
        return subject.split(".")[2]


def is_agency(agency: str) -> bool:
    return len(agency) <= MAX_AGENCY_LENGTH and _AGENCY.match(agency) is not None


def check_agency(agency: str) -> str:
    if not is_agency(agency):
        raise SubjectError(
            f"{agency[:80]!r} is not an agency id: use lower-case letters, digits and single hyphens, "
            f"at most {MAX_AGENCY_LENGTH} characters, e.g. th-dip"
        )
    return agency


def agency_source(agency: str) -> str:
    """The CloudEvents `source` of an agency's events."""
    return f"urn:collab:agency:{check_agency(agency)}"


def service_source(service: str) -> str:
    """The CloudEvents `source` of a service's events."""
    if service not in SERVICES:
        raise SubjectError(f"{service!r} is not one of the services {', '.join(SERVICES)}")
    return f"urn:collab:service:{service}"


def source_belongs(source: str, subject: str) -> bool:
    """Whether an event's `source` may publish on `subject`.

    The owner of a `collab.in.<agency>.…` subject is that agency, which may name one of its own
    systems after a colon (`urn:collab:agency:th-dip:sme-registry`); the owner of a
    `collab.<service>.…` subject is that service; `collab.out.<agency>.…` is written by services.
    Any other source is a spoof.
    """
    parts = subject.split(".")
    if len(parts) < 4 or parts[0] != "collab":
        return False
    if parts[1] == "in":
        owner = f"urn:collab:agency:{parts[2]}"
        return source == owner or source.startswith(owner + ":")
    if parts[1] == "out":
        return source in {f"urn:collab:service:{name}" for name in SERVICES}
    return parts[1] in SERVICES and source == f"urn:collab:service:{parts[1]}"
