"""The subject scheme: shapes, CloudEvents types, agencies and who may publish where."""

from __future__ import annotations

import pytest

from shared.contracts.subjects import (
    SubjectError,
    SubjectTemplate,
    agency_source,
    check_agency,
    service_source,
    source_belongs,
)


def test_an_inbound_subject_carries_the_agency_and_its_type_drops_it() -> None:
    route = SubjectTemplate.parse("collab.in.{agency}.company.profile_submitted.v1")
    assert route.direction == "inbound"
    assert route.ce_type == "collab.company.profile_submitted.v1"
    assert route.address("th-dip") == "collab.in.th-dip.company.profile_submitted.v1"
    assert route.filter == "collab.in.*.company.profile_submitted.v1"
    assert route.agency_of("collab.in.jp-mie.company.profile_submitted.v1") == "jp-mie"


def test_a_service_subject_is_its_own_type() -> None:
    route = SubjectTemplate.parse("collab.matching.match.proposed.v1")
    assert (route.direction, route.service, route.ce_type) == ("service", "matching", route.template)
    assert route.address() == "collab.matching.match.proposed.v1"
    assert route.agency_of("collab.matching.match.proposed.v1") is None
    with pytest.raises(SubjectError, match="no agency part"):
        route.address("th-dip")


def test_a_subject_back_to_an_agency() -> None:
    route = SubjectTemplate.parse("collab.out.{agency}.rejected.v1")
    assert route.ce_type == "collab.out.rejected.v1"
    assert route.address("th-dip") == "collab.out.th-dip.rejected.v1"
    with pytest.raises(SubjectError, match="needs an agency"):
        route.address()


@pytest.mark.parametrize(
    "template",
    [
        "collab.in.th-dip.company.profile_submitted.v1",  # a concrete agency, not {agency}
        "collab.billing.invoice.sent.v1",  # not one of our services
        "collab.matching.match.proposed",  # no version
        "collab.matching.Match.proposed.v1",  # upper case
        "collab.in.{agency}.company.v1",  # context without event
    ],
)
def test_subjects_outside_the_scheme_are_refused(template: str) -> None:
    with pytest.raises(SubjectError):
        SubjectTemplate.parse(template)


@pytest.mark.parametrize("agency", ["th-dip", "jp-mie", "th-dip2", "a1"])
def test_agency_ids(agency: str) -> None:
    assert check_agency(agency) == agency


@pytest.mark.parametrize("agency", ["", "TH-DIP", "th.dip", "th dip", "th--dip", "-th", "*", ">", "th-"])
def test_agency_ids_that_would_break_subjects_are_refused(agency: str) -> None:
    with pytest.raises(SubjectError):
        check_agency(agency)


def test_an_agency_may_publish_only_under_its_own_prefix() -> None:
    subject = "collab.in.th-dip.company.profile_submitted.v1"
    assert source_belongs(agency_source("th-dip"), subject)
    assert source_belongs("urn:collab:agency:th-dip:sme-registry", subject), "one of its own systems"
    assert not source_belongs(agency_source("jp-mie"), subject)
    assert not source_belongs("urn:collab:agency:th-dipx", subject)
    assert not source_belongs(service_source("matching"), subject)


def test_a_service_may_publish_only_under_its_own_prefix_and_to_agencies() -> None:
    assert source_belongs(service_source("matching"), "collab.matching.match.proposed.v1")
    assert not source_belongs(service_source("notify"), "collab.matching.match.proposed.v1")
    assert not source_belongs(agency_source("th-dip"), "collab.matching.match.proposed.v1")
    assert source_belongs(service_source("events"), "collab.out.th-dip.rejected.v1")
    assert not source_belongs(agency_source("th-dip"), "collab.out.th-dip.rejected.v1")
    assert not source_belongs(service_source("matching"), "elsewhere.matching.x.y.v1")
