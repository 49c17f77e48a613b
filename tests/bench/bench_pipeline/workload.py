"""The profiles a run sends, and the stores and streams each pass starts from."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js.errors import NotFoundError
from sqlalchemy import insert

from services.matching.domain.profiles import Company
from services.notify.store.tables import RecipientFieldRow, RecipientRow
from shared.contracts.agency.company import ProfileSubmitted
from shared.messaging.envelope import OutgoingMessage
from shared.messaging.streams import STREAMS, apply_streams
from shared.storage import create_engine, migrate, session_factory
from shared.synthetic import agency_of
from tests.bench.bench_matching import matchable_companies, reference_vocabulary, seed_store
from tests.bench.bench_pipeline.config import PHASES, STORED
from tests.support.system import as_agency, connect


@dataclass(frozen=True, slots=True)
class Submission:
    """A profile as its agency publishes it, and the address of its own that its e-mails go to."""

    company_id: str
    address: str
    message: OutgoingMessage


@dataclass(frozen=True, slots=True)
class Workload:
    stored: list[Company]
    stored_sources: list[ProfileSubmitted]
    phases: dict[str, list[Submission]]


def build() -> Workload:
    """Synthetic Thai and Mie companies (bench_matching's seed): `STORED` to start from, new ones per phase."""
    vocabulary = reference_vocabulary()
    stored, stored_sources = matchable_companies(STORED, start=0, vocabulary=vocabulary, keep_profiles=True)
    _, fresh = matchable_companies(sum(PHASES.values()), start=20_000_000, vocabulary=vocabulary, keep_profiles=True)
    submissions = [_submission(profile, n) for n, profile in enumerate(fresh)]
    phases, start = {}, 0
    for phase, count in PHASES.items():
        phases[phase], start = submissions[start : start + count], start + count
    return Workload(stored, stored_sources, phases)


def _submission(profile: ProfileSubmitted, n: int) -> Submission:
    address = f"pipeline-{n:05d}@bench.example.{'co.th' if profile.country == 'TH' else 'jp'}"
    addressed = profile.model_copy(update={"contact": profile.contact.model_copy(update={"email": address})})
    return Submission(profile.company_id, address, as_agency(addressed, agency_of(profile)))


async def fresh_streams(nats_url: str) -> None:
    """Empty streams without consumers: nothing of a previous pass is delivered again."""
    client = await connect(nats_url)
    js = client.jetstream()
    for spec in STREAMS:
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(spec.name)
    await apply_streams(js)
    await client.close()


async def seed(urls: dict[str, str], work: Workload) -> None:
    """The stored companies in matching's store and in notify's directory, as their handlers save them."""
    engine = create_engine(urls["matching"])
    await migrate(engine, "matching")
    await seed_store(session_factory(engine), work.stored, work.stored_sources)
    await engine.dispose()
    engine = create_engine(urls["notify"])
    await migrate(engine, "notify")
    now = datetime.now(UTC)
    recipients = [
        {
            "company_id": p.company_id,
            "agency": agency_of(p),
            "country": p.country,
            "name": p.name.model_dump(exclude_none=True),
            "contact_name": p.contact.name,
            "email": p.contact.email,
            "line_id": p.contact.line_id,
            "language": p.contact.preferred_language,
            "profile_version": p.profile_version,
            "updated_at": now,
        }
        for p in work.stored_sources
    ]
    fields = [{"company_id": p.company_id, "field_id": f} for p in work.stored_sources for f in sorted(set(p.fields))]
    async with session_factory(engine)() as session, session.begin():
        await session.execute(insert(RecipientRow), recipients)
        await session.execute(insert(RecipientFieldRow), fields)
    await engine.dispose()
