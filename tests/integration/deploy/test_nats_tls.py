"""TLS between services and NATS, with the server configured as deploy/nats/cluster.conf configures it."""

from __future__ import annotations

from pathlib import Path

import trustme
from nats.js import JetStreamContext

from shared.messaging.publisher import publish
from shared.runtime.natsd import NatsServer
from tests.support.cli import kakehashi
from tests.support.probe import Probe, create_effects_table, effects, eventually, probe_event, probe_service


async def test_services_and_the_cli_talk_to_nats_over_verified_tls(tmp_path: Path) -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    tls_dir = tmp_path / "tls"
    tls_dir.mkdir()
    authority.cert_pem.write_to_path(str(tls_dir / "ca.crt"))
    certificate.private_key_pem.write_to_path(str(tls_dir / "tls.key"))
    certificate.cert_chain_pems[0].write_to_path(str(tls_dir / "tls.crt"))
    server = NatsServer(
        store_dir=tmp_path / "store",
        extra_config=(
            f'tls {{\n  cert_file: "{tls_dir / "tls.crt"}"\n  key_file: "{tls_dir / "tls.key"}"\n'
            f'  ca_file: "{tls_dir / "ca.crt"}"\n  timeout: 5\n}}\n'
        ),
    )
    server.start()
    url = f"tls://127.0.0.1:{server.port}"
    try:
        plain = await kakehashi("streams", "apply", "--nats-url", url)
        assert plain.code == 1, "without the CA the server's certificate is not trusted"
        applied = await kakehashi("streams", "apply", "--nats-url", url, "--tls-ca", str(tls_dir / "ca.crt"))
        assert applied.code == 0, applied.err

        database_url = f"sqlite+aiosqlite:///{tmp_path / 'matching.db'}"
        await create_effects_table(database_url)
        service = probe_service(url, database_url, Probe("matching-probes"), nats_tls_ca=tls_dir / "ca.crt")
        await service.start()
        try:
            js: JetStreamContext = service.js
            event = probe_event("p-tls")
            await publish(js, event)

            async def processed() -> bool:
                return event.id in await effects(service)

            await eventually(processed, what="an event over TLS processed")
        finally:
            await service.stop()
    finally:
        server.stop()
