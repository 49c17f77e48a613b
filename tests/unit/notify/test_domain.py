"""The notify rules without I/O: who is told what on which channel, the ids of exactly-once, retries, signatures."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta

from services.notify.domain import messages, routing
from services.notify.domain.messages import Source
from services.notify.domain.routing import Preferences, Recipient, Webhook
from services.notify.domain.schedule import DigestClock, RetryPolicy
from services.notify.domain.signing import sign, verify
from shared.contracts.notify import Channel
from tests.unit.notify import builders

SOURCE = Source("e-1", "e-1", "collab.matching.match.proposed.v1")
ALL: frozenset[Channel] = frozenset({"email", "line", "webhook"})


def recipient(company_id: str = builders.THAI, *, line_id: str | None = None, agency: str = "th-dip") -> Recipient:
    return Recipient(
        company_id=company_id,
        agency=agency,
        country="TH" if company_id.startswith("th-") else "JP",
        name={"en": "Siam Coastal Foods"},
        contact_name="Somchai P.",
        email="somchai@example.co.th",
        line_id=line_id,
        language="th",
    )


def proposal_for_thai_side() -> messages.Message:
    return messages.match_proposed(SOURCE, builders.match_proposed())[0]


def test_a_match_proposal_tells_each_side_about_the_other_with_reasons_from_its_own_side() -> None:
    thai, japanese = messages.match_proposed(SOURCE, builders.match_proposed())
    assert (thai.company_id, thai.other_company_id) == (builders.THAI, builders.JAPANESE)
    assert (japanese.company_id, japanese.other_company_id) == (builders.JAPANESE, builders.THAI)
    assert thai.facts["other"]["company_id"] == builders.JAPANESE
    offer = {reason["code"]: reason["by"] for reason in thai.facts["reasons"]}
    assert offer["offer_meets_request"] == "them"
    assert offer["verified_capability"] == "you"
    assert {reason["code"]: reason["by"] for reason in japanese.facts["reasons"]}["offer_meets_request"] == "you"
    assert "@" not in json.dumps(thai.facts) + json.dumps(japanese.facts), "no contact details in a proposal"


def test_a_confirmed_match_carries_the_other_sides_contact_only_when_it_was_shared() -> None:
    thai, japanese = messages.match_confirmed(SOURCE, builders.match_confirmed(share_b=False))
    assert thai.facts["contact"] is None
    assert japanese.facts["contact"]["email"] == f"contact@{builders.THAI}.example"
    assert japanese.other_company_id == builders.THAI, "erased with the Thai company's data"


def test_a_skill_record_without_holders_is_not_celebrated() -> None:
    assert messages.skill_record_updated(SOURCE, builders.skill_record_updated(holders=0)) is None
    record = messages.skill_record_updated(SOURCE, builders.skill_record_updated(holders=3))
    assert record is not None
    assert record.category == "skill_record"


def test_a_bulletin_reaches_companies_sharing_a_field_in_its_countries_unless_they_opted_out() -> None:
    food = builders.bulletin(fields=("food_innovation", "logistics_cold_chain"), countries=("TH",))
    assert messages.bulletin_audience(food, "TH", ["logistics_cold_chain"], [])
    assert not messages.bulletin_audience(food, "JP", ["food_innovation"], []), "not for Japanese companies"
    assert not messages.bulletin_audience(food, "TH", ["renewable_energy"], [])
    assert not messages.bulletin_audience(food, "TH", ["food_innovation"], ["bulletin"])


def test_a_republished_bulletin_keeps_its_source_so_nobody_is_told_twice() -> None:
    first = messages.bulletin_source("jp-mie", "event-1", builders.bulletin())
    again = messages.bulletin_source("jp-mie", "event-2", builders.bulletin(title={"en": "HACCP week (corrected)"}))
    assert first.key == again.key
    assert first.event_id != again.event_id


def test_default_channels_are_email_and_line_when_the_contact_gave_a_line_id() -> None:
    message = proposal_for_thai_side()
    plain = routing.deliveries(message, recipient(), Preferences(), None, ALL)
    assert [d.channel for d in plain] == ["email"]
    with_line = routing.deliveries(message, recipient(line_id="U4af4980629"), Preferences(), None, ALL)
    assert [(d.channel, d.address) for d in with_line] == [("email", "somchai@example.co.th"), ("line", "U4af4980629")]
    assert {d.time_zone for d in with_line} == {"Asia/Bangkok"}
    assert {d.language for d in with_line} == {"th"}


def test_preferences_choose_channels_opt_out_of_categories_and_set_the_zone() -> None:
    message = proposal_for_thai_side()
    line_only = Preferences(channels=("line",), time_zone="Asia/Tokyo")
    [line] = routing.deliveries(message, recipient(line_id="U1"), line_only, None, ALL)
    assert (line.channel, line.time_zone) == ("line", "Asia/Tokyo")
    opted_out = Preferences(opted_out=frozenset({"match_proposed"}))
    assert routing.deliveries(message, recipient(), opted_out, None, ALL) == ()
    assert routing.deliveries(message, recipient(), Preferences(channels=()), None, ALL) == ()


def test_channels_the_operator_did_not_configure_or_the_contact_cannot_use_are_left_out() -> None:
    message = proposal_for_thai_side()
    assert routing.deliveries(message, recipient(line_id="U1"), Preferences(), None, {"webhook"}) == ()
    asks_line = Preferences(channels=("email", "line"))
    assert [d.channel for d in routing.deliveries(message, recipient(), asks_line, None, ALL)] == ["email"]


def test_the_agencys_webhook_gets_a_copy_of_what_concerns_its_own_companies() -> None:
    message = proposal_for_thai_side()
    hook = Webhook("th-dip", "https://crm.dip.go.th/hooks", frozenset({"match_proposed", "meeting"}))
    opted_out = Preferences(opted_out=frozenset({"match_proposed"}))
    [copy] = routing.deliveries(message, recipient(), opted_out, hook, ALL)
    assert (copy.channel, copy.address, copy.agency) == ("webhook", "https://crm.dip.go.th/hooks", "th-dip")
    assert routing.deliveries(message, recipient(agency="th-boi"), opted_out, hook, ALL) == (), "not its company"
    registration = messages.registration(SOURCE, builders.registration_confirmed())
    assert [d.channel for d in routing.deliveries(registration, recipient(), opted_out, hook, ALL)] == ["email"]
    assert not Webhook("th-dip", "https://x.example").wants("bulletin"), "bulletins come from the agencies"


def test_a_notification_id_is_the_same_for_the_same_source_recipient_and_channel_only() -> None:
    key = routing.notification_id
    assert key("e-1", builders.THAI, "email") == key("e-1", builders.THAI, "email")
    ids = {
        key("e-1", builders.THAI, "email"),
        key("e-1", builders.THAI, "line"),
        key("e-1", builders.JAPANESE, "email"),
        key("e-2", builders.THAI, "email"),
    }
    assert len(ids) == 4
    assert all(id_.startswith("n-") and len(id_) == 34 for id_ in ids)
    retry_key = routing.line_retry_key(key("e-1", builders.THAI, "line"))
    assert uuid.UUID(retry_key).version == 5
    assert retry_key == routing.line_retry_key(key("e-1", builders.THAI, "line"))


def test_a_digest_waits_only_for_bulletins_of_companies_that_chose_it() -> None:
    bulletin = messages.bulletin(SOURCE, builders.THAI, {})
    assert routing.wants_digest(bulletin, Preferences(bulletins="daily_digest"))
    assert not routing.wants_digest(bulletin, Preferences())
    assert not routing.wants_digest(proposal_for_thai_side(), Preferences(bulletins="daily_digest"))


def test_retries_double_up_to_a_ceiling_and_stop_at_the_last_attempt_or_a_permanent_failure() -> None:
    policy = RetryPolicy(attempts=5, first_delay=2.0, max_delay=10.0)
    assert [policy.delay(n) for n in range(1, 6)] == [2.0, 4.0, 8.0, 10.0, 10.0]
    assert not policy.gives_up(4, permanent=False)
    assert policy.gives_up(5, permanent=False)
    assert policy.gives_up(1, permanent=True)


def test_the_digest_runs_on_its_aligned_clock() -> None:
    daily = DigestClock(timedelta(days=1), time(1, 0))
    assert daily.next_run(datetime(2026, 11, 26, 0, 30, tzinfo=UTC)) == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert daily.next_run(datetime(2026, 11, 26, 1, 0, tzinfo=UTC)) == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    assert daily.next_run(datetime(2026, 11, 26, 23, 0, tzinfo=UTC)) == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    every_two_seconds = DigestClock(timedelta(seconds=2), time(0, 0))
    assert every_two_seconds.next_run(datetime(2026, 11, 26, 5, 0, 3, tzinfo=UTC)) == datetime(
        2026, 11, 26, 5, 0, 4, tzinfo=UTC
    )


def test_a_webhook_signature_proves_origin_and_freshness() -> None:
    body = json.dumps({"notification_id": "n-1", "text": "สวัสดี こんにちは"}, ensure_ascii=False).encode()
    signature = sign("secret", 1_795_000_000, body)
    assert signature.startswith("v1=")
    assert len(signature) == 3 + 64
    assert verify("secret", "1795000000", signature, body, now=1_795_000_100)
    assert not verify("secret", "1795000000", signature, body + b" ", now=1_795_000_100), "tampered body"
    assert not verify("other", "1795000000", signature, body, now=1_795_000_100), "wrong secret"
    assert not verify("secret", "1795000000", signature, body, now=1_795_000_301), "replayed too late"
    assert not verify("secret", "1795000001", signature, body, now=1_795_000_100), "timestamp is signed"
