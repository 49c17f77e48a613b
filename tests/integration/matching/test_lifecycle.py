"""A match's life over the real service: both accept, one declines, one side withdraws, nobody answers."""

from __future__ import annotations

from nats.js import JetStreamContext

from shared.contracts.agency.company import Consent, ProfileWithdrawn
from shared.contracts.agency.match import MatchResponseSubmitted
from shared.contracts.matching import MatchConfirmed, MatchDeclined, MatchExpired, MatchProposed, MatchWithdrawn
from tests.integration.matching.harness import match_rows, matching, profile_rows, published, raw_published, send
from tests.support.infra import Broker
from tests.support.probe import eventually
from tests.unit.matching.builders import mie_freezing_machinery, siam_coastal_foods

SIAM, MIE = "th-0105551234567", "jp-1190001012345"


async def _proposal(js: JetStreamContext) -> MatchProposed:
    async def proposed() -> bool:
        return len(await published(js, MatchProposed)) == 1

    await eventually(proposed, what="the proposal")
    [proposal] = await published(js, MatchProposed)
    return proposal


async def test_both_accepting_confirms_the_match_with_both_contacts(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")
        await send(js, mie_freezing_machinery(), agency="jp-mie")
        proposal = await _proposal(js)
        await send(
            js, MatchResponseSubmitted(match_id=proposal.match_id, company_id=MIE, response="accept"), agency="jp-mie"
        )

        async def accepted_by_one() -> bool:
            return (await match_rows(database_url))[proposal.match_id].status == "accepted"

        await eventually(accepted_by_one, what="the first acceptance")
        assert await published(js, MatchConfirmed) == []
        await send(
            js, MatchResponseSubmitted(match_id=proposal.match_id, company_id=SIAM, response="accept"), agency="th-dip"
        )

        async def confirmed() -> bool:
            return len(await published(js, MatchConfirmed)) == 1

        await eventually(confirmed, what="the confirmation")
    [confirmation] = await published(js, MatchConfirmed)
    contacts = {party.company_id: party.contact for party in (confirmation.a, confirmation.b)}
    siam, mie = contacts[SIAM], contacts[MIE]
    assert siam is not None
    assert siam.email == "somchai@example.co.th"
    assert mie is not None
    assert mie.name == "佐藤 宏"
    row = (await match_rows(database_url))[proposal.match_id]
    assert (row.status, row.accepted_a, row.accepted_b) == ("confirmed", True, True)


async def test_contacts_are_shared_only_when_both_consented(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    private = mie_freezing_machinery(consent=Consent(matching=True, share_contact_on_mutual_accept=False))
    async with matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")
        await send(js, private, agency="jp-mie")
        proposal = await _proposal(js)
        await send(
            js, MatchResponseSubmitted(match_id=proposal.match_id, company_id=SIAM, response="accept"), agency="th-dip"
        )
        await send(
            js, MatchResponseSubmitted(match_id=proposal.match_id, company_id=MIE, response="accept"), agency="jp-mie"
        )

        async def confirmed() -> bool:
            return len(await published(js, MatchConfirmed)) == 1

        await eventually(confirmed, what="the confirmation")
    [body] = await raw_published(js, MatchConfirmed)
    assert body["a"]["contact"] is None
    assert body["b"]["contact"] is None
    assert "somchai" not in str(body).lower()


async def test_a_decline_closes_the_match_and_a_late_answer_is_refused(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")
        await send(js, mie_freezing_machinery(), agency="jp-mie")
        proposal = await _proposal(js)
        await send(
            js, MatchResponseSubmitted(match_id=proposal.match_id, company_id=MIE, response="decline"), agency="jp-mie"
        )

        async def declined() -> bool:
            return len(await published(js, MatchDeclined)) == 1

        await eventually(declined, what="the decline")
    [decline] = await published(js, MatchDeclined)
    assert decline.declined_by == MIE
    assert set(decline.company_ids) == {SIAM, MIE}
    assert (await match_rows(database_url))[proposal.match_id].status == "declined"


async def test_withdrawal_erases_the_contact_in_the_database_and_withdraws_open_matches(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")
        await send(js, mie_freezing_machinery(), agency="jp-mie")
        proposal = await _proposal(js)
        before = (await profile_rows(database_url))[SIAM]
        assert before.contact_email == "somchai@example.co.th"
        await send(
            js, ProfileWithdrawn(company_id=SIAM, reason="Company request under PDPA section 33"), agency="th-dip"
        )

        async def withdrawn() -> bool:
            return len(await published(js, MatchWithdrawn)) == 1

        await eventually(withdrawn, what="the withdrawal")
        # Gone from the index too: a newcomer that would have matched it is not proposed to it.
        await send(js, mie_freezing_machinery(company_id="jp-2190001077777"), agency="jp-mie")
        await send(js, mie_freezing_machinery(profile_version=2, region="Kuwana"), agency="jp-mie")

        async def updated() -> bool:
            return (await profile_rows(database_url))[MIE].version == 2

        await eventually(updated, what="the later profile stored")
    [withdrawal] = await published(js, MatchWithdrawn)
    assert (withdrawal.match_id, withdrawal.withdrawn_by) == (proposal.match_id, SIAM)
    row = (await profile_rows(database_url))[SIAM]
    assert row.status == "withdrawn"
    assert (row.contact_name, row.contact_email, row.contact_phone, row.contact_line_id, row.contact_language) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert row.name is None
    assert "somchai" not in str(row.profile).lower()
    assert "example.co.th" not in str(row.profile)
    assert (await match_rows(database_url))[proposal.match_id].status == "withdrawn"
    assert len(await published(js, MatchProposed)) == 1


async def test_a_proposal_nobody_answers_in_time_expires(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url, expiry_days=0.5 / 86400, expiry_check_seconds=0.2):
        await send(js, siam_coastal_foods(), agency="th-dip")
        await send(js, mie_freezing_machinery(), agency="jp-mie")
        proposal = await _proposal(js)

        async def expired() -> bool:
            return len(await published(js, MatchExpired)) == 1

        await eventually(expired, what="the expiry")
    [expiry] = await published(js, MatchExpired)
    assert expiry.match_id == proposal.match_id
    assert expiry.expired_at >= proposal.expires_at
    assert (await match_rows(database_url))[proposal.match_id].status == "expired"
