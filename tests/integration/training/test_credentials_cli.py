"""`kakehashi training credentials`: an operator fetches a learner's credentials from the running service."""

from __future__ import annotations

import json

import pytest
from nats.js import JetStreamContext

from tests.integration.training.support import count_rows, course, event, running, send, training_service, xapi
from tests.support.cli import kakehashi
from tests.support.infra import Broker
from tests.support.probe import eventually


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_cli_prints_a_learners_credentials_or_says_why_not(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    url = ["--nats-url", nats_server.url]
    absent = await kakehashi("training", "credentials", "--mbox", "somchai@example.co.th", *url)
    assert absent.code == 1
    assert "is the training service running?" in absent.err

    service = training_service(nats_server.url, database_url)
    async with running(service):
        await send(js, event(course()), event(xapi()))

        async def issued() -> bool:
            return await count_rows(service, "credentials") == 1

        await eventually(issued, what="a credential issued")
        found = await kakehashi("training", "credentials", "--mbox", "somchai@example.co.th", *url)
        assert found.code == 0, found.err
        [credential] = json.loads(found.out)
        assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert credential["credentialSubject"]["achievement"]["id"] == "urn:collab:course:c-haccp-101"

        unnamed = await kakehashi("training", "credentials", *url)
        assert unnamed.code == 1
        assert "learner" in unnamed.err
