"""The matching settings: read from KAKEHASHI_MATCHING_* variables, and weights that leave room for complementarity."""

from __future__ import annotations

import pytest

from services.matching.config import MatchingSettings
from services.matching.handlers import weights_from
from shared.settings import ConfigError, load_settings


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEHASHI_MATCHING_TOP_K", "5")
    monkeypatch.setenv("KAKEHASHI_MATCHING_CROSS_BORDER_ONLY", "false")
    monkeypatch.setenv("KAKEHASHI_MATCHING_WEIGHT_LANGUAGE", "0.2")
    settings = load_settings(MatchingSettings)
    assert (settings.top_k, settings.cross_border_only) == (5, False)
    weights = weights_from(settings)
    assert weights.language == 0.2
    assert weights.base == pytest.approx(1 - 0.15 - 0.15 - 0.2 - 0.05 - 0.05 - 0.05)


def test_weights_that_leave_complementarity_less_than_a_tenth_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEHASHI_MATCHING_WEIGHT_LANGUAGE", "0.6")
    with pytest.raises(ConfigError, match=r"add up to 1\.05"):
        load_settings(MatchingSettings)
