"""The training service's wiring: its subscriptions on the shared runtime."""

from services.training.config import TrainingSettings
from shared.runtime.service import Service


def build(settings: TrainingSettings) -> Service:
    return Service("training", settings, subscriptions=[])
