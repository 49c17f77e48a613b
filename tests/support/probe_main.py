"""`python -m tests.support.probe_main`: the probe service as its own process, configured like a real service."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.messaging.consumer import Subscription, on
from shared.runtime.service import Service, main
from shared.settings import ServiceSettings
from tests.support.probe import Probe, ProbeBase, ProbeRecorded


class ProbeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_MATCHING_")


async def _create_effects_table(service: Service) -> None:
    engine = service.sessions.kw["bind"]
    async with engine.begin() as connection:
        await connection.run_sync(ProbeBase.metadata.create_all)


def build(settings: ProbeSettings) -> Service:
    probe = Probe("matching-probes")
    return Service(
        "matching",
        settings,
        subscriptions=[Subscription("probes", (on(ProbeRecorded, probe.record),))],
        startup=[_create_effects_table],
    )


if __name__ == "__main__":
    main(build, ProbeSettings)
