"""`kakehashi publish FILE --as AGENCY` and `kakehashi docs`, run as an agency developer would."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
from pathlib import Path

import yaml
from nats.js import JetStreamContext

from shared.apidoc.examples import example_data
from shared.contracts.agency.company import ProfileSubmitted
from tests.support.cli import KAKEHASHI, ROOT, kakehashi
from tests.support.infra import Broker
from tests.support.probe import stored


def _write(directory: Path, name: str, document: object) -> Path:
    path = directory / name
    path.write_text(json.dumps(document, ensure_ascii=False))
    return path


async def test_a_valid_event_is_published_as_the_agency_and_its_sequence_printed(
    nats_server: Broker, js: JetStreamContext, tmp_path: Path
) -> None:
    data = example_data(ProfileSubmitted)
    event = _write(
        tmp_path,
        "profile.json",
        {"type": "collab.company.profile_submitted.v1", "id": "evt-42", "subject": "th-0105551234567", "data": data},
    )
    result = await kakehashi("publish", str(event), "--as", "th-dip", "--nats-url", nats_server.url)
    assert result.code == 0, result.err
    assert re.search(r"stored in COLLAB_IN as #1\.", result.out)
    [message] = await stored(js, "COLLAB_IN")
    assert message.subject == "collab.in.th-dip.company.profile_submitted.v1"
    assert message.headers is not None
    assert message.headers["ce-id"] == message.headers["Nats-Msg-Id"] == "evt-42"
    assert message.headers["ce-source"] == "urn:collab:agency:th-dip"
    assert message.headers["ce-subject"] == "th-0105551234567"
    assert json.loads(message.data or b"") == data

    again = await kakehashi("publish", str(event), "--as", "th-dip", "--nats-url", nats_server.url)
    assert "a repeat of an earlier publish" in again.out

    bare = _write(tmp_path, "bare.json", data)
    typed = await kakehashi(
        "publish", str(bare), "--as", "jp-mie", "--type", "collab.company.profile_submitted.v1",
        "--nats-url", nats_server.url,
    )  # fmt: skip
    assert typed.code == 0, typed.err
    assert "on collab.in.jp-mie.company.profile_submitted.v1" in typed.out


async def test_an_invalid_event_is_explained_field_by_field_and_not_sent(
    nats_server: Broker, js: JetStreamContext, tmp_path: Path
) -> None:
    data = example_data(ProfileSubmitted)
    data.update(employees="many", region="")
    data["contact"]["email"] = "somchai-at-example"
    event = _write(tmp_path, "bad.json", {"type": "collab.company.profile_submitted.v1", "data": data})
    result = await kakehashi("publish", str(event), "--as", "th-dip", "--nats-url", nats_server.url)
    assert result.code == 1
    assert "does not match collab.company.profile_submitted.v1" in result.err
    assert "employees: Input should be a valid integer" in result.err
    assert "contact.email: is not an e-mail address" in result.err
    assert "region: String should have at least 1 character" in result.err
    assert await stored(js, "COLLAB_IN") == []


async def test_mistakes_in_the_command_are_named(nats_server: Broker, tmp_path: Path) -> None:
    url = ["--nats-url", nats_server.url]
    data = example_data(ProfileSubmitted)
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "collab.company.profile_submitted.v1", "data": {')
    cases = {
        ("publish", str(broken), "--as", "th-dip"): "is not valid JSON: Expecting property name",
        ("publish", str(_write(tmp_path, "a.json", data)), "--as", "th-dip"): "no event type",
        ("publish", str(_write(tmp_path, "b.json", {"type": "collab.nope.v1", "data": {}})), "--as", "th-dip"): (
            "unknown event type 'collab.nope.v1'; agencies publish: collab.company.profile_submitted.v1"
        ),
        (
            "publish",
            str(_write(tmp_path, "c.json", {"type": "collab.matching.match.proposed.v1", "data": {}})),
            "--as",
            "th-dip",
        ): "is published by Kakehashi, not by agencies",
        ("publish", str(_write(tmp_path, "d.json", data)), "--as", "TH DIP", "--type", "x"): "is not an agency id",
        ("publish", str(tmp_path / "missing.json"), "--as", "th-dip", "--type", "x"): "cannot read",
    }
    for arguments, expected in cases.items():
        result = await kakehashi(*arguments, *url)
        assert result.code == 1, arguments
        assert expected in result.err, (arguments, result.err)


async def test_docs_serves_the_contracts_as_html_asyncapi_and_schemas() -> None:
    server = await asyncio.create_subprocess_exec(
        str(KAKEHASHI), "docs", "--port", "0", cwd=ROOT, stdout=asyncio.subprocess.PIPE, env={"COLUMNS": "200"}
    )
    try:
        assert server.stdout is not None
        line = (await asyncio.wait_for(server.stdout.readline(), 30)).decode()
        found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert found, line
        base = found.group(1)
        page = await asyncio.to_thread(lambda: urllib.request.urlopen(base, timeout=10).read().decode())
        assert "collab.in.{agency}.company.profile_submitted.v1" in page
        assert "บริษัท สยามโคสตัลฟู้ดส์ จำกัด" in page
        document = await asyncio.to_thread(lambda: urllib.request.urlopen(base + "asyncapi.yaml", timeout=10).read())
        assert yaml.safe_load(document)["asyncapi"] == "3.0.0"
        schema = await asyncio.to_thread(
            lambda: urllib.request.urlopen(base + "schemas/collab.company.profile_submitted.v1.json", timeout=10).read()
        )
        assert json.loads(schema)["x-subject"] == "collab.in.{agency}.company.profile_submitted.v1"
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 10)
