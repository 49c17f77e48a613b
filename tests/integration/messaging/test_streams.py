"""`kakehashi streams apply` against a real nats-server: create, leave alone, report drift, update on request."""

from __future__ import annotations

import dataclasses

from nats.aio.client import Client
from nats.js.api import StorageType, StreamConfig

from shared.messaging.streams import STREAMS
from tests.support.cli import kakehashi
from tests.support.infra import Broker


async def test_apply_creates_every_stream_with_file_storage_and_is_idempotent(
    nats_server: Broker, nats_client: Client
) -> None:
    first = await kakehashi("streams", "apply", "--nats-url", nats_server.url)
    assert first.code == 0, first.err
    assert first.out.count("created") == len(STREAMS)
    js = nats_client.jetstream()
    for spec in STREAMS:
        info = await js.stream_info(spec.name)
        assert info.config.storage == StorageType.FILE
        assert info.config.subjects == list(spec.subjects)
        assert info.config.duplicate_window == 120
    again = await kakehashi("streams", "apply", "--nats-url", nats_server.url)
    assert again.code == 0
    assert again.out.count("unchanged") == len(STREAMS)


async def test_apply_reports_tuned_limits_and_leaves_them(nats_server: Broker, nats_client: Client) -> None:
    assert (await kakehashi("streams", "apply", "--nats-url", nats_server.url)).code == 0
    js = nats_client.jetstream()
    info = await js.stream_info("DLQ")
    await js.update_stream(dataclasses.replace(info.config, max_age=365 * 24 * 3600))
    result = await kakehashi("streams", "apply", "--nats-url", nats_server.url)
    assert result.code == 0, "an operator's own retention is a choice, not an error"
    assert "tuned" in result.out
    assert "max_age" in result.out
    assert (await js.stream_info("DLQ")).config.max_age == 365 * 24 * 3600


async def test_apply_refuses_incompatible_streams_unless_told_to_update(
    nats_server: Broker, nats_client: Client
) -> None:
    js = nats_client.jetstream()
    await js.add_stream(StreamConfig(name="MATCHING", subjects=["collab.matching.match.>"]))
    refused = await kakehashi("streams", "apply", "--nats-url", nats_server.url)
    assert refused.code == 1
    assert "incompatible" in refused.out
    assert "subjects" in refused.out
    assert "Nothing was changed" in refused.err
    assert (await js.stream_info("MATCHING")).config.subjects == ["collab.matching.match.>"]

    updated = await kakehashi("streams", "apply", "--update", "--nats-url", nats_server.url)
    assert updated.code == 0, updated.err
    assert (await js.stream_info("MATCHING")).config.subjects == ["collab.matching.>"]


async def test_apply_says_clearly_when_nats_is_unreachable() -> None:
    result = await kakehashi("streams", "apply", "--nats-url", "nats://127.0.0.1:1")
    assert result.code == 1
    assert "cannot reach NATS at nats://127.0.0.1:1" in result.err


async def test_apply_with_replicas_needs_a_cluster(nats_server: Broker) -> None:
    result = await kakehashi("streams", "apply", "--replicas", "3", "--nats-url", nats_server.url)
    assert result.code != 0
