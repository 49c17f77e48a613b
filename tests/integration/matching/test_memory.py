"""The in-memory index stays true to the database: across processes, and when a batch or an event rolls back.

Two `Matchmaker`s on one database stand for two replicas; their handlers run in transactions as the
consumer runs them (one per batch, a savepoint per event when isolating a failure).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.matching.config import MatchingSettings
from services.matching.domain.matches import match_id
from services.matching.domain.profiles import Vocabulary
from services.matching.handlers import Matchmaker
from shared.contracts.agency.company import Consent, ProfileSubmitted
from shared.contracts.matching import MatchProposed, MatchWithdrawn
from shared.messaging.envelope import Event, OutgoingMessage
from shared.messaging.transaction import Transaction
from shared.reference import industries, regions
from shared.storage import create_engine, migrate, session_factory
from shared.taxonomy import load_fields, load_skills
from tests.integration.matching.harness import profile_rows
from tests.unit.matching.builders import mie_freezing_machinery, siam_coastal_foods, suzuka_auto_parts

Handler = Callable[[Event[ProfileSubmitted], Transaction], Awaitable[None]]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate(engine, "matching")
    yield session_factory(engine)
    await engine.dispose()


async def replica(sessions: async_sessionmaker[AsyncSession]) -> Matchmaker:
    settings = MatchingSettings.model_validate({"database_url": "sqlite:///unused.db"})
    vocabulary = Vocabulary(industries(), regions(), frozenset(load_fields().ids()))
    matchmaker = Matchmaker(settings, vocabulary, load_skills())
    await matchmaker.load_from(sessions)
    return matchmaker


def submitted(profile: ProfileSubmitted) -> Event[ProfileSubmitted]:
    agency = "th-dip" if profile.country == "TH" else "jp-mie"
    return Event(
        id=str(uuid.uuid4()),
        source=f"urn:collab:agency:{agency}",
        type=ProfileSubmitted.ce_type(),
        time=None,
        subject=profile.company_id,
        traceparent=None,
        data=profile,
        nats_subject=ProfileSubmitted.route.address(agency),
        agency=agency,
    )


async def batch(sessions: async_sessionmaker[AsyncSession], handler: Handler, *profiles: ProfileSubmitted) -> list[str]:
    """Run `handler` on each profile in one committed transaction; the match ids it proposed."""
    async with sessions() as session, session.begin():
        tx = Transaction(session, "matching")
        for profile in profiles:
            await handler(submitted(profile), tx)
    return _proposed(tx.emitted)


def _proposed(emitted: list[OutgoingMessage]) -> list[str]:
    return [
        MatchProposed.model_validate_json(message.body).match_id
        for message in emitted
        if message.subject == MatchProposed.subject
    ]


async def test_a_replica_sees_what_another_committed_before_its_next_batch(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    one, two = await replica(sessions), await replica(sessions)
    assert await batch(sessions, one.submit_profile, siam_coastal_foods()) == []
    pair = match_id("th-0105551234567", "jp-1190001012345")
    assert await batch(sessions, two.submit_profile, mie_freezing_machinery()) == [pair]
    # The first replica learns of the Mie profile and of the pair: an update proposes nothing again.
    assert await batch(sessions, one.submit_profile, siam_coastal_foods(profile_version=4)) == []
    assert one.memory.known["jp-1190001012345"].version == 1
    assert (one.memory.revision, two.memory.revision) == (3, 2), "each batch that wrote is one revision"


async def test_a_rolled_back_batch_leaves_nothing_in_memory(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    one = await replica(sessions)

    async def failing_batch() -> None:
        async with sessions() as session, session.begin():
            tx = Transaction(session, "matching")
            await one.submit_profile(submitted(suzuka_auto_parts()), tx)
            raise RuntimeError("the batch fails after the handler ran")

    with pytest.raises(RuntimeError):
        await failing_batch()
    assert "jp-3190001054321" not in one.memory.known
    assert "jp-3190001054321" not in one.memory.index
    assert await profile_rows(database_url) == {}
    machining = siam_coastal_foods(
        requests=[{"kind": "business_request", "tags": ["lean", "kaizen"], "partnership": ["technology_licensing"]}],
        offers=[{"kind": "business_offer", "tags": ["cnc machining"], "partnership": ["subcontracting"]}],
    )
    assert await batch(sessions, one.submit_profile, machining) == [], "no phantom partner is proposed"


async def test_an_event_rolled_back_to_its_savepoint_is_undone_and_the_rest_of_the_batch_stands(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    one = await replica(sessions)
    async with sessions() as session, session.begin():
        tx = Transaction(session, "matching")

        async def failing_event() -> None:
            async with session.begin_nested():
                await one.submit_profile(submitted(mie_freezing_machinery()), tx)
                raise RuntimeError("this event fails after its handler ran")

        await one.submit_profile(submitted(siam_coastal_foods()), tx)
        with pytest.raises(RuntimeError):
            await failing_event()
        await one.submit_profile(submitted(suzuka_auto_parts()), tx)
    assert set(await profile_rows(database_url)) == {"th-0105551234567", "jp-3190001054321"}
    assert "jp-1190001012345" not in one.memory.index
    assert set(one.memory.known) == {"th-0105551234567", "jp-3190001054321"}
    assert one.memory.pairs == set(), "the pair proposed inside the failed event is forgotten"
    # Sent again, the Mie profile is proposed: the rollback did not leave the pair behind.
    assert await batch(sessions, one.submit_profile, mie_freezing_machinery()) == [
        match_id("th-0105551234567", "jp-1190001012345")
    ]


async def test_a_company_without_consent_is_never_proposed_and_revoking_consent_withdraws_its_matches(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    one = await replica(sessions)
    private = Consent(matching=False, share_contact_on_mutual_accept=False)
    assert await batch(sessions, one.submit_profile, siam_coastal_foods(consent=private)) == []
    assert await batch(sessions, one.submit_profile, mie_freezing_machinery()) == [], "nobody to propose"
    pair = match_id("th-0105551234567", "jp-1190001012345")
    assert await batch(sessions, one.submit_profile, siam_coastal_foods(profile_version=4)) == [pair]
    async with sessions() as session, session.begin():
        tx = Transaction(session, "matching")
        await one.submit_profile(submitted(siam_coastal_foods(profile_version=5, consent=private)), tx)
    withdrawn = [
        MatchWithdrawn.model_validate_json(message.body)
        for message in tx.emitted
        if message.subject == MatchWithdrawn.subject
    ]
    assert [(event.match_id, event.withdrawn_by) for event in withdrawn] == [(pair, "th-0105551234567")]
    assert "th-0105551234567" not in one.memory.index
