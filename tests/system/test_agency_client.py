"""The onboarding kit's example client (plain nats-py, no Kakehashi code) against a secured nats-server
and the real matching service process: an agency sends a good and a bad profile and reads its rejection."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from shared.messaging.streams import apply_streams
from shared.runtime.nats_auth import password_variable
from tests.support.cli import ROOT
from tests.support.probe import eventually
from tests.support.secured import PASSWORDS, Secured

CLIENT = ROOT / "docs" / "examples" / "agency_client.py"
EXAMPLE = ROOT / "docs" / "contracts" / "examples" / "collab.company.profile_submitted.v1.json"


@pytest.fixture
def secured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Secured]:
    for variable, value in PASSWORDS.items():
        monkeypatch.setenv(variable, value)
    setup = Secured(tmp_path)
    setup.server.start()
    yield setup
    setup.server.stop()


def test_the_example_client_imports_nothing_of_kakehashi() -> None:
    source = CLIENT.read_text()
    assert "import shared" not in source
    assert "from shared" not in source
    assert "from services" not in source
    assert "import services" not in source


async def test_an_agency_client_publishes_and_learns_why_one_event_was_refused(
    secured: Secured, tmp_path: Path
) -> None:
    admin = await nats.connect(secured.url_for("admin"))
    await apply_streams(admin.jetstream())
    await admin.close()

    good = json.loads(EXAMPLE.read_text())
    bad = json.loads(EXAMPLE.read_text())
    bad["id"] = "th-dip-bad-profile-1"
    bad["data"]["employees"] = "many"
    (tmp_path / "good.json").write_text(json.dumps(good, ensure_ascii=False))
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False))

    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAKEHASHI_")} | {
        "KAKEHASHI_NATS_URL": secured.url_for("matching"),
        "KAKEHASHI_DATA_DIR": str(tmp_path),
        password_variable("matching"): PASSWORDS[password_variable("matching")],
    }
    log = (tmp_path / "matching.log").open("w")
    matching = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.matching", cwd=ROOT, env=environment, stderr=log
    )
    try:

        async def ready() -> bool:
            return "matching ready" in (tmp_path / "matching.log").read_text()

        await eventually(ready, timeout=60, what="the matching service ready")
        client = await asyncio.create_subprocess_exec(
            sys.executable, str(CLIENT), "--nats-url", f"nats://127.0.0.1:{secured.server.port}",
            "--nkey-seed", str(secured.secrets / "th-dip.nk"), "--agency", "th-dip",
            "--event", str(tmp_path / "good.json"), "--event", str(tmp_path / "bad.json"), "--wait", "8",
            cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(client.communicate(), 60)
    finally:
        matching.send_signal(signal.SIGTERM)
        await asyncio.wait_for(matching.wait(), 30)
        log.close()
    output = out.decode()
    assert client.returncode == 0, err.decode()
    assert "sent good.json: collab.company.profile_submitted.v1" in output
    assert "-> COLLAB_IN #1" in output
    assert "-> COLLAB_IN #2" in output
    assert "REJECTED th-dip-bad-profile-1 (collab.company.profile_submitted.v1)" in output
    assert "  - employees: Input should be a valid integer" in output
    assert output.rstrip().endswith("1 rejection(s)"), "the good profile was accepted"
    assert not secured.violations
