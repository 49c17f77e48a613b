"""Issue 8, scenario 5: a thousand hostile inbound events, drawn by Hypothesis, among a thousand good profiles.

Each hostile event knows how it must end (see `tests.support.hostile`): refused by NATS at publish, dropped
by JetStream as a duplicate, or stored and then dead-lettered with its reason by every consumer of its
subject (by matching alone for vocabulary only matching checks), its agency told once on
`collab.out.<agency>.rejected.v1`. A replay of a processed id with the same content is acknowledged as a
duplicate. Every good profile is processed by every service that takes profiles, none is dead-lettered,
nothing hostile leaves a trace in a service's tables, and no process crashes.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence

import pytest
from nats.js import JetStreamContext
from nats.js.api import PubAck

from shared.contracts.rejections import EventRejected
from shared.contracts.subjects import check_agency
from shared.messaging import dlq
from shared.messaging.envelope import OutgoingMessage
from shared.messaging.streams import apply_streams
from tests.support.hostile import MATCHING, GoodEvent, Hostile, examples, good_events, hostile_events
from tests.support.system import System, connect, eventually, publish_each, rows, stream_messages

pytestmark = pytest.mark.timeout(900)

GOOD = 1_000
HOSTILE = 1_000
SEED = 8
SETTLE_TIMEOUT = 300.0
CONSUMERS = {"matching-agencies", "events-agencies", "notify-agencies", "training-inbound"}
"""The durable consumers of COLLAB_IN: every service's subscription to what agencies send."""

Sent = tuple[Hostile | None, OutgoingMessage]
"""A published message and the hostile event it is, or None for a good one."""


async def test_hostile_events_end_in_the_dlq_with_reasons_and_harm_no_good_one(system: System) -> None:
    good = good_events(GOOD, seed_value=SEED)
    drafts = examples(hostile_events(good), HOSTILE, seed_value=SEED)
    assert len(drafts) == HOSTILE, "Hypothesis gave fewer examples than asked for"
    hostile = [(draft, draft.message(f"hostile-{number:04d}")) for number, draft in enumerate(drafts)]

    client = await connect(system.nats_url)
    js = client.jetstream()
    try:
        await apply_streams(js)
        system.start()
        filters = await _filters(js)
        assert set(filters) == {*CONSUMERS, dlq.UNROUTED}
        # The catch-all dead-letters only subjects no subscription routes: none of these (any letter it wrote
        # would be an unexpected one below).
        del filters[dlq.UNROUTED]

        # Good and hostile interleaved; replays of good ids after the good ones are stored.
        first: list[Sent] = [*((None, event.message) for event in good), *((h, m) for h, m in hostile if not h.replay)]
        random.Random(SEED).shuffle(first)
        second: list[Sent] = [(h, m) for h, m in hostile if h.replay]
        outcomes = [*await publish_each(js, [m for _, m in first]), *await publish_each(js, [m for _, m in second])]
        published = list(zip([*first, *second], outcomes, strict=True))
        stored = _check_publishing(published)
        print(_summary(published))

        await _settled(js, system)
        assert not system.crashed(), system.logs()
        assert all(replica.alive() for replica in system.replicas), system.logs()
        assert system.grep_logs("failed unexpectedly") == 0, "a batch failed as a whole:\n" + system.logs()
        assert system.grep_logs("could not dead-letter") == 0, "a dead letter was not written:\n" + system.logs()

        print(await _check_dead_letters(js, stored, filters))
        await _check_rejections(js, stored)
        await _check_good_processed(system, good, stored)
        duplicates = sum(replica.counter("kakehashi_events_total", outcome="duplicate") for replica in system.replicas)
        repeats = sum(len(_consumers_of(h.subject, filters)) for h in stored.values() if h.harmless)
        assert duplicates >= repeats, f"{repeats} repeats of processed events, {duplicates} acknowledged as duplicates"
    finally:
        await client.close()


# --- publishing ---------------------------------------------------------------------------------------------


def _fate(outcome: PubAck | Exception) -> str:
    if isinstance(outcome, Exception):
        return "refused"
    return "duplicate" if outcome.duplicate else "stored"


def _check_publishing(published: Sequence[tuple[Sent, PubAck | Exception]]) -> dict[int, Hostile]:
    """Each event met its fate at publish; the stored hostile ones, by stream sequence."""
    stored: dict[int, Hostile] = {}
    wrong = []
    for (draft, message), outcome in published:
        fate = _fate(outcome)
        expected = "stored" if draft is None else draft.fate
        if fate != expected:
            what = "good event" if draft is None else draft.kind
            wrong.append(f"{what} {message.id[:40]}: {fate} ({outcome!r:.200}), expected {expected}")
        elif draft is not None and isinstance(outcome, PubAck) and fate == "stored":
            stored[outcome.seq] = draft
    assert not wrong, f"{len(wrong)} events met another fate at publish:\n" + "\n".join(wrong[:20])
    return stored


def _summary(published: Sequence[tuple[Sent, PubAck | Exception]]) -> str:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for (draft, _), outcome in published:
        counts["good profile" if draft is None else draft.kind][_fate(outcome)] += 1
    lines = [f"{sum(c.values()):5d}  {kind}  {dict(c)}" for kind, c in sorted(counts.items())]
    return "\n".join(["what was published:", *lines])


# --- settling -----------------------------------------------------------------------------------------------


async def _filters(js: JetStreamContext) -> dict[str, list[str]]:
    """Each COLLAB_IN consumer's subject filters, as the services created them."""
    found = {}
    for info in await js.consumers_info("COLLAB_IN"):
        config = info.config
        found[info.name] = list(config.filter_subjects or ([config.filter_subject] if config.filter_subject else []))
    return found


def _consumers_of(subject: str, filters: dict[str, list[str]]) -> set[str]:
    return {name for name, patterns in filters.items() if any(_matches(pattern, subject) for pattern in patterns)}


def _matches(pattern: str, subject: str) -> bool:
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or token not in ("*", tokens[index]):
            return False
    return len(tokens) == len(wanted)


async def _settled(js: JetStreamContext, system: System) -> None:
    """Wait until every consumer of COLLAB_IN has settled (acknowledged or terminated) every stored event."""

    async def pending() -> dict[str, tuple[int, int]]:
        infos = await js.consumers_info("COLLAB_IN")
        return {info.name: (info.num_pending or 0, info.num_ack_pending or 0) for info in infos}

    async def settled() -> bool:
        return all(state == (0, 0) for state in (await pending()).values())

    try:
        await eventually(settled, timeout=SETTLE_TIMEOUT, interval=1.0, message="every stored event settled")
    except AssertionError:
        raise AssertionError(f"unsettled (pending, unacknowledged): {await pending()}\n{system.logs()}") from None


# --- outcomes -----------------------------------------------------------------------------------------------


async def _check_dead_letters(js: JetStreamContext, stored: dict[int, Hostile], filters: dict[str, list[str]]) -> str:
    """Every stored hostile event is in the DLQ once per consumer that refused it, with its reason; nothing else is.
    Returns the reasons given, by kind of event."""
    letters = await dlq.scan(js, limit=1_000_000)
    expected = {
        (consumer, sequence): hostile
        for sequence, hostile in stored.items()
        if not hostile.harmless
        for consumer in ({hostile.refused_by} if hostile.refused_by else _consumers_of(hostile.subject, filters))
    }
    found = {(letter.consumer, letter.stream_sequence): letter for letter in letters if letter.stream == "COLLAB_IN"}
    missing = Counter(
        f"{consumer}: {expected[consumer, sequence].kind}" for consumer, sequence in expected.keys() - found.keys()
    )
    extra = [
        f"{letter.consumer} seq {sequence} ({stored[sequence].kind if sequence in stored else 'a good event'}): "
        f"{letter.failure.reason}"
        for (_, sequence), letter in found.items()
        if (letter.consumer, sequence) not in expected
    ]
    example = next((expected[key] for key in expected.keys() - found.keys()), None)
    assert not missing, f"stored hostile events not dead-lettered: {dict(missing)}; one: {example!r:.1000}"
    assert not extra, f"{len(extra)} events dead-lettered that should not be:\n" + "\n".join(extra[:20])
    others = [letter for letter in letters if letter.stream != "COLLAB_IN"]
    assert not others, [f"{o.consumer} {o.subject}: {o.failure.reason}" for o in others[:10]]
    assert len(letters) == len(expected), "an event was dead-lettered twice by one consumer"
    unexplained = [
        f"{letter.consumer} ({stored[letter.stream_sequence].kind}): {letter.failure.kind} {letter.failure.reason}"
        for letter in letters
        if letter.failure.kind != "permanent" or not letter.failure.reason
    ]
    assert not unexplained, f"{len(unexplained)} refused without a permanent reason:\n" + "\n".join(unexplained[:20])
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for letter in letters:
        reasons[stored[letter.stream_sequence].kind][letter.failure.reason[:110]] += 1
    lines = [f"{sum(c.values()):5d}  {kind}: {c.most_common(1)[0][0]}" for kind, c in sorted(reasons.items())]
    return "\n".join(["dead letters, by kind, with the most common reason:", *lines])


def _told(subject: str) -> str | None:
    """The agency a refusal of an event on `subject` goes back to; None when its agency part is no agency id."""
    try:
        return check_agency(subject.split(".")[2])
    except ValueError:
        return None


async def _check_rejections(js: JetStreamContext, stored: dict[int, Hostile]) -> None:
    """Each refused event's agency hears of it exactly once, on its own `collab.out.<agency>.rejected.v1`."""
    notices = await stream_messages(js, "COLLAB_OUT", "collab.out.*.rejected.v1")
    heard: Counter[int] = Counter()
    misaddressed = []
    for raw in notices:
        notice = EventRejected.model_validate_json(raw.data or b"")
        heard[notice.stream_sequence] += 1
        hostile = stored.get(notice.stream_sequence)
        if hostile is None or raw.subject != f"collab.out.{_told(hostile.subject)}.rejected.v1" or not notice.reason:
            misaddressed.append(f"{raw.subject}: seq {notice.stream_sequence} {notice.reason}")
    assert not misaddressed, f"{len(misaddressed)} rejections of no refused event:\n" + "\n".join(misaddressed[:20])
    expected = {sequence for sequence, hostile in stored.items() if not hostile.harmless and _told(hostile.subject)}
    unheard = Counter(stored[sequence].kind for sequence in expected - heard.keys())
    assert not unheard, f"refused events whose agency was not told: {dict(unheard)}"
    assert set(heard) == expected
    assert all(count == 1 for count in heard.values()), "an agency was told twice of one event"


async def _check_good_processed(system: System, good: Sequence[GoodEvent], stored: dict[int, Hostile]) -> None:
    """Every good profile is where each service keeps it; nothing hostile is anywhere."""
    good_ids = {event.data["company_id"] for event in good}
    matching = await rows(system.databases["matching"], "SELECT company_id, version FROM matching_profiles")
    assert {company for company, _ in matching} == good_ids, "matching holds other profiles than the good ones"
    assert {version for _, version in matching} == {1}, "a replayed id changed a profile"
    # Only matching checks regions, industries and fields: notify keeps those companies' contacts too.
    vocabulary_only = {_company_id(hostile) for hostile in stored.values() if hostile.refused_by == MATCHING}
    notify = await rows(system.databases["notify"], "SELECT company_id, profile_version FROM notify_recipients")
    assert {company for company, _ in notify} == good_ids | vocabulary_only
    assert {version for _, version in notify} == {1}
    for service, table in [
        ("events", "events"),
        ("events", "registrations"),
        ("events", "meeting_requests"),
        ("notify", "notify_bulletins"),
        ("notify", "notify_webhooks"),
        ("notify", "notify_preferences"),
        ("notify", "notify_withdrawn"),
        ("training", "courses"),
        ("training", "completion_records"),
        ("training", "held_completions"),
        ("training", "withdrawn_companies"),
    ]:
        found = await rows(system.databases[service], f"SELECT count(*) FROM {table}")
        assert found == [(0,)], f"a hostile event reached {service}'s {table}"


def _company_id(hostile: Hostile) -> str:
    return str(json.loads(hostile.body)["company_id"])
