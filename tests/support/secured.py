"""A nats-server running the generated users and permissions, and clients connecting as each party."""

from __future__ import annotations

import os
from pathlib import Path

import nats
from nats.aio.client import Client

from shared.contracts.subjects import SERVICES
from shared.messaging.broker import inbox_prefix
from shared.runtime.nats_auth import add_agency, password_variable
from shared.runtime.natsd import NatsServer

PASSWORDS = {"KAKEHASHI_NATS_ADMIN_PASSWORD": "admin-secret"} | {
    password_variable(service): f"{service}-secret" for service in SERVICES
}


class Secured:
    """A nats-server running deploy/nats/accounts.conf as `kakehashi agencies add` generates it."""

    def __init__(self, root: Path) -> None:
        self.nats_dir, self.secrets = root / "nats", root / "secrets"
        self.nats_dir.mkdir()
        for agency in ("th-dip", "jp-mie"):
            add_agency(agency, nats_dir=self.nats_dir, secrets_dir=self.secrets)
        store = root / "store"
        # nats-server resolves an include relative to the including file.
        accounts = os.path.relpath(self.nats_dir / "accounts.conf", store)
        self.server = NatsServer(store_dir=store, extra_config=f'include "{accounts}"')
        self.violations: list[str] = []

    def url_for(self, user: str) -> str:
        password = PASSWORDS["KAKEHASHI_NATS_ADMIN_PASSWORD" if user == "admin" else password_variable(user)]
        return f"nats://{user}:{password}@127.0.0.1:{self.server.port}"

    async def service(self, service: str) -> Client:
        return await nats.connect(self.url_for(service), inbox_prefix=inbox_prefix(service), error_cb=self._record)

    async def agency(self, agency: str) -> Client:
        return await nats.connect(
            f"nats://127.0.0.1:{self.server.port}",
            nkeys_seed=str(self.secrets / f"{agency}.nk"),
            inbox_prefix=inbox_prefix(agency),
            error_cb=self._record,
        )

    async def _record(self, error: Exception) -> None:
        self.violations.append(str(error))
