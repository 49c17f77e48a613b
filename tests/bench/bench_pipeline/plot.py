"""docs/bench/pipeline.png: the burst as it went, latency distributions, and rates against the baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.bench.bench_pipeline.config import DATABASES, OFFERED_RATE, PHASES, PROBE_RATE, STORED, TARGETS

_COLOURS = {"sqlite": "tab:blue", "postgresql": "tab:orange"}
_RATES = (("profiles_stored_per_s", "profiles"), ("proposals_per_s", "proposals"), ("emails_accepted_per_s", "e-mails"))


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (burst, latency, rates) = pyplot.subplots(1, 3, figsize=(15, 4.2))
    for database in DATABASES:
        colour = _COLOURS[database]
        samples = results[database]["burst_samples"]
        at = [s[0] for s in samples]
        for column, style, label in ((1, "-", "profiles stored"), (2, "--", "proposals relayed"), (3, ":", "e-mails")):
            if samples:
                base = samples[0][column]
                burst.plot(at, [s[column] - base for s in samples], style, color=colour, label=f"{database}: {label}")
        for phase, style, rate in (("offered", "-", OFFERED_RATE), ("probe", ":", PROBE_RATE)):
            found = results[database]["latency"][phase]
            if found["cdf_ms"]:
                ranks = [(n + 1) / found["counted"] for n in range(len(found["cdf_ms"]))]
                label = f"{database}, {rate:.0f} profiles/s"
                latency.step(found["cdf_ms"], ranks, style, color=colour, where="post", label=label)
    burst.set_title(f"Burst of {PHASES['burst']:,} profiles ({STORED:,} stored)")
    burst.set_xlabel("seconds since the burst was published")
    burst.set_ylabel("count")
    burst.legend(fontsize=7)
    latency.axvline(TARGETS["latency_p99_ms"], color="grey", linestyle="--", linewidth=1, label="target p99 50 ms")
    latency.set_xscale("log")
    latency.set_ylim(0, 1)
    latency.set_title("Publish → first e-mail accepted by the sink")
    latency.set_xlabel("ms (log); lines end where the cut-off left profiles without mail")
    latency.set_ylabel("share of profiles counted")
    latency.legend(fontsize=7)
    base = results["baseline"]
    labels = ["raw publish", "raw fetch+ack"]
    values = [base["publish_per_s"], base["pull_consume_ack_per_s"]]
    colours = ["grey", "grey"]
    for database in DATABASES:
        found = results[database]["throughput"]
        for key, label in _RATES:
            labels.append(f"{database}\n{label}")
            values.append(max(found[key], 0.1))  # a log axis has no zero
            colours.append(_COLOURS[database])
    rates.bar(range(len(values)), values, color=colours)
    rates.set_xticks(range(len(values)), labels, fontsize=7, rotation=45, ha="right")
    rates.set_yscale("log")
    rates.set_ylabel("per second (log)")
    rates.set_title("Sustained rates vs the raw nats-py baseline (same server)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
