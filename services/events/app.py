"""The events service's wiring: its subscriptions on the shared runtime."""

from services.events.config import EventsSettings
from shared.runtime.service import Service


def build(settings: EventsSettings) -> Service:
    return Service("events", settings, subscriptions=[])
