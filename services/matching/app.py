"""The matching service's wiring: its subscriptions on the shared runtime."""

from services.matching.config import MatchingSettings
from shared.runtime.service import Service


def build(settings: MatchingSettings) -> Service:
    return Service("matching", settings, subscriptions=[])
