"""What the pipeline benchmark runs: sizes, rates, windows, and the targets of issue 8."""

from __future__ import annotations

from services.notify.config import NotifySettings

STORED = 10_000
"""Companies already in matching's store and notify's directory when a pass starts."""
PHASES = {"warmup": 50, "probe": 30, "offered": 1_000, "burst": 2_000, "profiled": 500}
"""New profiles per phase: each phase sends profiles no other phase sends."""
PROBE_RATE = 3.0
"""Profiles a second that the pipeline keeps up with here: its latency without queueing."""
OFFERED_RATE = 200.0
BURST_WINDOW = 20.0
CUTOFF = 15.0
"""Seconds after the last publish that a profile's first e-mail is waited for; later counts as censored."""
WARMUP_TIMEOUT = 10.0
PROFILED_SECONDS = 8.0
BASELINE_EVENTS = 2_000
BASELINE_RUNS = 3
IN_FLIGHT = 500
SAMPLE_EVERY = 0.2
SCRAPE_TIMEOUT = 3.0
SERVICES = ("matching", "notify")
DATABASES = ("sqlite", "postgresql")
TARGETS = {"matching_profiles_per_s": 2_000, "notify_emails_per_s": 1_000, "latency_p99_ms": 50}
OPERATOR_DEFAULTS = {
    # System's FAST settings make notify look for work five times as often as operators' default does.
    "KAKEHASHI_NOTIFY_DISPATCH_INTERVAL": str(NotifySettings.model_fields["dispatch_interval"].default),
    "KAKEHASHI_NOTIFY_SEND_RETRY_DELAY": str(NotifySettings.model_fields["send_retry_delay"].default),
}
