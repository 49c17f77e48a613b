"""The generated NATS users and permissions, on a real nats-server: each party reaches only its own subjects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.aio.client import Client
from nats.js.api import ConsumerConfig

from shared.contracts.rejections import EventRejected
from shared.contracts.subjects import service_source
from shared.messaging import dlq
from shared.messaging.envelope import encode
from shared.messaging.streams import apply_streams
from shared.runtime.nats_auth import add_agency, read_registry, render_accounts
from tests.support.probe import (
    Probe,
    ProbeNoted,
    create_effects_table,
    effects,
    eventually,
    probe_event,
    probe_service,
    stored,
    with_headers,
)
from tests.support.secured import PASSWORDS, Secured


@pytest.fixture
def secured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Secured]:
    for variable, value in PASSWORDS.items():
        monkeypatch.setenv(variable, value)
    setup = Secured(tmp_path)
    setup.server.start()
    yield setup
    setup.server.stop()


@pytest.fixture
async def admin(secured: Secured) -> AsyncIterator[Client]:
    client = await nats.connect(secured.url_for("admin"))
    await apply_streams(client.jetstream())
    yield client
    await client.close()


def test_add_agency_registers_the_public_key_and_hands_out_only_the_seed(tmp_path: Path) -> None:
    agency, seed_file = add_agency("th-dip", nats_dir=tmp_path, secrets_dir=tmp_path / "secrets")
    assert seed_file.read_bytes().startswith(b"SU")
    assert seed_file.stat().st_mode & 0o777 == 0o600
    assert agency.nkey.startswith("U")
    assert read_registry(tmp_path / "agencies.toml") == [agency]
    accounts = (tmp_path / "accounts.conf").read_text()
    assert agency.nkey in accounts
    assert seed_file.read_text().strip() not in accounts
    assert accounts == render_accounts([agency])
    with pytest.raises(ValueError, match="already exists"):
        add_agency("th-dip", nats_dir=tmp_path, secrets_dir=tmp_path / "secrets")


async def test_an_agency_publishes_only_under_its_own_prefix(secured: Secured, admin: Client) -> None:
    th_dip = await secured.agency("th-dip")
    js = th_dip.jetstream()
    own = probe_event("p-1", agency="th-dip")
    assert (await js.publish(own.subject, own.body, headers=own.headers)).stream == "COLLAB_IN"
    foreign = probe_event("p-2", agency="jp-mie")
    with pytest.raises(nats.errors.TimeoutError):
        await js.publish(foreign.subject, foreign.body, headers=foreign.headers, timeout=1)
    with pytest.raises(nats.errors.TimeoutError):
        await js.publish("collab.matching.match.proposed.v1", b"{}", timeout=1)
    # Replays (for one consumer only) have a subject space of their own, which no agency may write to.
    replay = dlq.replay_subject(own.subject, "matching-agencies")
    with pytest.raises(nats.errors.TimeoutError):
        await js.publish(replay, own.body, headers=own.headers, timeout=1)
    await th_dip.close()
    assert [m.subject for m in await stored(admin.jetstream(), "COLLAB_IN")] == [own.subject]
    assert f'nats: permissions violation for publish to "{replay}"' in secured.violations
    assert 'nats: permissions violation for publish to "collab.in.jp-mie.probe.recorded.v1"' in secured.violations


async def test_an_agency_cannot_listen_beyond_its_own_inbox(secured: Secured, admin: Client) -> None:
    th_dip = await secured.agency("th-dip")
    for subject in (">", "collab.>", "collab.matching.match.proposed.v1", "collab.out.jp-mie.>", "_INBOX_jp-mie.>"):
        await th_dip.subscribe(subject)
    await th_dip.flush()
    await asyncio.sleep(0.3)
    await th_dip.close()
    for subject in (">", "collab.>", "collab.matching.match.proposed.v1", "collab.out.jp-mie.>", "_INBOX_jp-mie.>"):
        assert f'nats: permissions violation for subscription to "{subject.lower()}"' in secured.violations


async def test_an_agency_reads_its_own_rejections_and_no_one_elses(secured: Secured, admin: Client) -> None:
    admin_js = admin.jetstream()
    for agency in ("th-dip", "jp-mie"):
        notice = EventRejected.model_validate(
            {
                "event_id": f"evt-{agency}",
                "event_type": "collab.company.profile_submitted.v1",
                "nats_subject": f"collab.in.{agency}.company.profile_submitted.v1",
                "stream_sequence": 1,
                "reason": "test",
                "problems": [],
                "rejected_by": "matching",
                "rejected_at": "2026-11-26T03:15:00Z",
            }
        )
        message = encode(notice, source=service_source("matching"), agency=agency)
        await admin_js.publish(message.subject, message.body, headers=message.headers)

    th_dip = await secured.agency("th-dip")
    js = th_dip.jetstream()
    own = ConsumerConfig(name="th-dip", durable_name="th-dip", filter_subject="collab.out.th-dip.rejected.v1")
    await js.add_consumer("COLLAB_OUT", own)
    reader = await js.pull_subscribe_bind("th-dip", stream="COLLAB_OUT")
    [received] = await reader.fetch(10, timeout=3)
    await received.ack()
    assert received.subject == "collab.out.th-dip.rejected.v1"

    for name, subject in (("jp-mie", "collab.out.jp-mie.rejected.v1"), ("th-dip", "collab.out.jp-mie.rejected.v1")):
        with pytest.raises(nats.errors.TimeoutError):
            await js.add_consumer(
                "COLLAB_OUT", ConsumerConfig(name=name, durable_name=name, filter_subject=subject), timeout=1
            )
    await th_dip.close()


async def test_a_service_publishes_only_what_it_owns(secured: Secured, admin: Client) -> None:
    matching = await secured.service("matching")
    js = matching.jetstream()
    noted = encode(ProbeNoted(probe_id="p-1"), source=service_source("matching"))
    assert (await js.publish(noted.subject, noted.body, headers=noted.headers)).stream == "MATCHING"
    forged = probe_event("p-1", agency="th-dip")
    for subject in ("collab.events.meeting.scheduled.v1", "collab.notify.notification.sent.v1", forged.subject):
        with pytest.raises(nats.errors.TimeoutError):
            await js.publish(subject, forged.body, headers=forged.headers, timeout=1)
    await matching.close()
    assert await stored(admin.jetstream(), "COLLAB_IN") == []
    assert await stored(admin.jetstream(), "EVENTS") == []


async def test_a_service_runs_its_whole_flow_under_its_permissions(
    secured: Secured, admin: Client, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'matching.db'}"
    await create_effects_table(database_url)
    service = probe_service(secured.url_for("matching"), database_url, Probe("matching-probes"))
    th_dip = await secured.agency("th-dip")
    js = th_dip.jetstream()
    await service.start()
    try:
        good = probe_event("p-1")
        bad = with_headers(probe_event("p-2", event_id="bad-1"), ce_source="urn:collab:agency:jp-mie")
        for message in (good, bad):
            await js.publish(message.subject, message.body, headers=message.headers)

        async def settled() -> bool:
            return good.id in await effects(service) and len(await dlq.scan(admin.jetstream())) == 1

        await eventually(settled, what="the good event processed and the spoofed one dead-lettered")
    finally:
        await service.stop()
    admin_js = admin.jetstream()
    assert len(await stored(admin_js, "MATCHING")) == 1, "its own event, through the outbox relay"
    await js.add_consumer(
        "COLLAB_OUT",
        ConsumerConfig(name="th-dip", durable_name="th-dip", filter_subject="collab.out.th-dip.rejected.v1"),
    )
    [rejection] = await (await js.pull_subscribe_bind("th-dip", stream="COLLAB_OUT")).fetch(1, timeout=3)
    assert b"ce-source" in rejection.data
    await th_dip.close()
    assert not [v for v in secured.violations if "matching" in v]
