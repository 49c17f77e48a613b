"""What `kakehashi up` shows: every event on the bus, one readable line each, and the demo load going in."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import nats
from nats.aio.msg import Msg
from rich.console import Console
from rich.progress import Progress

from shared.runtime.demo import CHANTHABURI, ISE_BAY, Step, acceptance
from shared.runtime.mailsink import Mail

_ZONES = {"ICT": timezone(timedelta(hours=7)), "JST": timezone(timedelta(hours=9))}
_REASONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "offer_meets_request": lambda r: f"{r.get('offered_by', '?').upper()} offers {', '.join(r.get('tags', []))}",
    "shared_field": lambda r: f"both in {', '.join(r.get('fields', []))}",
    "partnership_fit": lambda r: f"{', '.join(r.get('partnerships', []))} fits",
    "shared_language": lambda r: f"speak {', '.join(r.get('languages', []))}",
    "interpreter_needed": lambda r: "no shared language: interpreter",
    "certification_held": lambda r: f"holds {', '.join(r.get('certifications', []))}",
    "verified_capability": lambda r: f"verified by training: {', '.join(r.get('skills', []))}",
    "shared_sector": lambda r: f"same sector {', '.join(r.get('sectors', []))}",
}


def _reason(reason: dict[str, Any]) -> str:
    words = _REASONS.get(reason["code"])
    return words(reason) if words else str(reason["code"])


STORY = frozenset({ISE_BAY.company_id, CHANTHABURI.company_id})


class Monitor:
    """Subscribes to `collab.>` and prints the flow; accepts a few proposals as the agencies would."""

    def __init__(self, url: str, console: Console, *, accept: int = 6) -> None:
        self._url = url
        self._console = console
        self._names: dict[str, str] = {}
        self._budget = accept
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self, steps: list[Step]) -> None:
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(steps),), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def mail(self, mail: Mail) -> None:
        recipients = ", ".join(mail.recipients)
        self._console.print(
            f"  [yellow]✉ mail[/] to {recipients} [dim]\\[{mail.language or '?'}][/] {mail.subject}", highlight=False
        )

    async def _run(self, steps: list[Step]) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        client = await nats.connect(self._url, max_reconnect_attempts=-1)
        try:
            self._js = js = client.jetstream()
            await client.subscribe("collab.>", cb=self._show)
            if steps:
                with Progress(console=self._console, transient=True) as progress:
                    sending = progress.add_task(
                        "Sending the demo load (companies, session, courses, news)", total=len(steps)
                    )
                    stored = 0
                    for step in steps:
                        ack = await js.publish(step.message.subject, step.message.body, headers=step.message.headers)
                        stored += not ack.duplicate
                        progress.advance(sending)
                # Demo events have fixed ids: on a second run JetStream (or, past its window, the inboxes) drops them.
                again = f", {len(steps) - stored} already stored from an earlier run" if stored < len(steps) else ""
                self._console.print(
                    f"[bold]Demo load sent:[/] {len(steps)} events from th-dip and jp-mie ({stored} new{again})."
                )
            await self._stop.wait()
        finally:
            await client.close()

    def _name(self, company_id: str | None) -> str:
        return self._names.get(company_id or "", company_id or "?")

    async def _show(self, msg: Msg) -> None:
        try:
            data = json.loads(msg.data)
        except ValueError:
            return
        kind = ".".join(part for part in msg.subject.split(".")[1:] if part not in {"in"})
        line = self._describe(msg.subject, kind, data)
        if line:
            self._console.print(line, highlight=False)
        if msg.subject == "collab.matching.match.proposed.v1":
            await self._accept(data)

    def _pair(self, first: str, second: str) -> str:
        return f"{self._name(first)} ↔ {self._name(second)}"

    def _describe(self, subject: str, kind: str, data: dict[str, Any]) -> str | None:
        parts = subject.split(".")
        if subject.endswith("company.profile_submitted.v1"):
            names = data["name"]
            self._names[data["company_id"]] = names.get("en") or next(iter(names.values()))
            where = f"{data['country']} · {data['region']}"
            return f"[cyan]→ profile[/]   {self._name(data['company_id'])} ({where}) from {parts[2]}"
        if subject == "collab.matching.match.proposed.v1":
            reasons = "; ".join(_reason(reason) for reason in data["reasons"][:4])
            pair = self._pair(data["a"]["company_id"], data["b"]["company_id"])
            return f"[magenta]★ proposed[/]  {pair}  score {data['score']:.2f}: {reasons}"
        if subject == "collab.matching.match.confirmed.v1":
            both = data["a"].get("contact") and data["b"].get("contact")
            pair = self._pair(data["a"]["company_id"], data["b"]["company_id"])
            return f"[green]✓ confirmed[/] {pair} ({'contacts shared' if both else 'no contacts shared'})"
        if subject.startswith("collab.events.registration."):
            verb = parts[3]
            where = f" (#{data['position']} in line)" if verb == "waitlisted" else ""
            return f"[blue]▸ {verb}[/] {self._name(data['company_id'])} for {data['event']['title'].get('en')}{where}"
        if subject == "collab.events.meeting.scheduled.v1":
            start = datetime.fromisoformat(data["starts_at"])
            times = " / ".join(f"{start.astimezone(zone):%d %b %H:%M} {name}" for name, zone in _ZONES.items())
            interpreter = ", interpreter" if data["interpreter"] else ""
            pair = self._pair(*data["company_ids"])
            return f"[bold blue]▣ meeting[/]   {pair} at {times}, table {data['table']}{interpreter}"
        if subject == "collab.training.skill_record.updated.v1":
            skill = data["skill"].get("en")
            return f"[green]◆ skill[/]     {self._name(data['company_id'])}: {skill}, {data['holders']} staff"
        if subject == "collab.notify.notification.sent.v1":
            about = data["source_event_type"]
            return f"  [yellow]✉ {data['channel']}[/] to {self._name(data.get('company_id'))} about {about}"
        if subject.startswith("collab.out.") and subject.endswith(".rejected.v1"):
            return f"[red]✗ rejected[/]  {data.get('event_type')} {data.get('event_id')}: {data['reason']}"
        if subject.startswith("collab.in.") and subject.endswith("training.completion_recorded.v1"):
            return f"[cyan]→ training[/]  a completion at {self._name(data['company_id'])} from {parts[2]}"
        return None

    async def _accept(self, proposal: dict[str, Any]) -> None:
        pair = {proposal["a"]["company_id"], proposal["b"]["company_id"]}
        if pair != STORY and self._budget <= 1:
            return
        self._budget -= 1
        for company in sorted(pair):
            answer = acceptance(proposal["match_id"], company)
            await self._js.publish(answer.subject, answer.body, headers=answer.headers)
