"""Fetching a learner's Open Badges credentials over NATS request-reply."""

from __future__ import annotations

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.integration.training.support import (
    count_rows,
    course,
    erasure,
    event,
    request_credentials,
    running,
    send,
    simple,
    training_service,
    xapi,
)
from tests.support.infra import Broker
from tests.support.probe import eventually

COMPANY = "th-0105551234567"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_learner_fetches_their_credentials_until_they_are_erased(
    nats_server: Broker, js: JetStreamContext, nats_client: Client, database_url: str
) -> None:
    service = training_service(nats_server.url, database_url)
    async with running(service):
        await send(js, event(course()), event(xapi()), event(simple(learner_id="EMP-7"), agency="th-dip"))

        async def issued() -> bool:
            return await count_rows(service, "credentials") == 2

        await eventually(issued, what="two credentials issued")
        [credential] = await request_credentials(nats_client, {"learner": {"mbox": "mailto:somchai@example.co.th"}})
        assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert credential["issuer"]["id"] == "https://kakehashi.example.go.th/issuer"
        assert credential["credentialSubject"]["achievement"]["id"] == "urn:collab:course:c-haccp-101"
        assert [a["targetUrl"] for a in credential["credentialSubject"]["achievement"]["alignment"]] == [
            "http://data.europa.eu/esco/skill/5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350",
            "http://data.europa.eu/esco/skill/0ff99f51-40d9-42f1-a1ec-377b2bb5e15f",
        ]
        by_id = await request_credentials(nats_client, {"company_id": COMPANY, "learner": {"learner_id": "EMP-7"}})
        assert len(by_id) == 1
        assert (
            await request_credentials(
                nats_client, {"company_id": "th-0105559999999", "learner": {"learner_id": "EMP-7"}}
            )
            == []
        )
        refused = await request_credentials(nats_client, {"learner": {}})
        assert refused["error"].startswith('Send {"learner"')
        assert [p["field"] for p in refused["problems"]] == ["learner"]
        assert (await request_credentials(nats_client, "not an object"))["problems"][0]["field"] == "body"

        await send(js, event(erasure(COMPANY, mbox="mailto:somchai@example.co.th")))

        async def erased() -> bool:
            return await count_rows(service, "credentials") == 1

        await eventually(erased, what="the credential erased")
        assert await request_credentials(nats_client, {"learner": {"mbox": "mailto:somchai@example.co.th"}}) == []
