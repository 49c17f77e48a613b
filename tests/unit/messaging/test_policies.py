"""Small pure policies of the messaging core: retry delays, trace context, stream drift."""

from __future__ import annotations

import dataclasses

from shared.messaging.consumer import Policy
from shared.messaging.streams import STREAMS, differences, stream_for
from shared.messaging.tracing import child_traceparent, trace_id


def test_retry_delays_double_up_to_the_cap_with_jitter() -> None:
    policy = Policy(retry_delay=0.5, retry_max_delay=30.0)
    for deliveries, expected in [(1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 30.0), (20, 30.0)]:
        delays = [policy.delay(deliveries) for _ in range(200)]
        assert all(0.8 * expected <= delay <= 1.2 * expected for delay in delays)
        assert max(delays) > min(delays), "jitter spreads retries"


def test_ten_deliveries_outlast_a_thirty_second_outage() -> None:
    policy = Policy()
    waited = sum(0.8 * min(policy.retry_max_delay, policy.retry_delay * 2 ** (n - 1)) for n in range(1, 10))
    assert waited > 60


def test_a_child_traceparent_continues_the_trace_with_a_new_span() -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    child = child_traceparent(parent)
    assert trace_id(child) == "0af7651916cd43dd8448eb211c80319c"
    assert child != parent
    assert child.endswith("-01")


def test_a_missing_or_broken_traceparent_starts_a_new_trace() -> None:
    for parent in (None, "", "garbage", "00-" + "0" * 32 + "-b7ad6b7169203331-01"):
        child = child_traceparent(parent)
        assert trace_id(child) not in (None, "0" * 32)


def test_streams_cover_the_subject_scheme() -> None:
    assert [spec.name for spec in STREAMS] == [
        "COLLAB_IN", "MATCHING", "EVENTS", "TRAINING", "NOTIFY", "COLLAB_OUT", "DLQ",
    ]  # fmt: skip
    assert stream_for("collab.in.th-dip.company.profile_submitted.v1") == "COLLAB_IN"
    assert stream_for("collab.matching.match.proposed.v1") == "MATCHING"
    assert stream_for("collab.out.th-dip.rejected.v1") == "COLLAB_OUT"
    assert stream_for("collab.dlq.notify") == "DLQ"


def test_drift_in_limits_is_tunable_but_in_subjects_or_storage_essential() -> None:
    wanted = STREAMS[0].config(replicas=1)
    assert wanted.max_age is not None
    tuned = dataclasses.replace(wanted, max_age=wanted.max_age * 2, num_replicas=3)
    assert {(d.setting, d.essential) for d in differences(tuned, wanted)} == {
        ("max_age", False),
        ("num_replicas", False),
    }
    narrowed = dataclasses.replace(wanted, subjects=["collab.in.th-dip.>"])
    assert [(d.setting, d.essential) for d in differences(narrowed, wanted)] == [("subjects", True)]
    assert differences(wanted, wanted) == ()
