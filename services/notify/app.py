"""The notify service's wiring: its subscriptions on the shared runtime."""

from services.notify.config import NotifySettings
from shared.runtime.service import Service


def build(settings: NotifySettings) -> Service:
    return Service("notify", settings, subscriptions=[])
