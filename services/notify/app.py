"""The notify service's wiring: subscriptions (one per stream), channels, the dispatcher and the digest."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta

import httpx

from services.notify.channels import Sender
from services.notify.channels.line import LineSender
from services.notify.channels.smtp import EmailSender
from services.notify.channels.webhook import WebhookSender
from services.notify.config import NotifySettings
from services.notify.digest import Digester, expire_waiting
from services.notify.dispatch import Dispatcher, Pace
from services.notify.domain.schedule import DigestClock, RetryPolicy
from services.notify.handlers.agencies import AgencyHandlers
from services.notify.handlers.services import ServiceHandlers
from services.notify.handlers.staging import Notifier
from services.notify.rendering import Renderer
from shared.contracts.agency.company import ProfileSubmitted, ProfileWithdrawn
from shared.contracts.agency.info import BulletinPublished
from shared.contracts.agency.notify import PreferencesUpdated, WebhookRegistered
from shared.contracts.events import (
    MeetingScheduled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from shared.contracts.matching import MatchConfirmed, MatchProposed
from shared.contracts.notify import Channel, NotificationRetryRequested
from shared.contracts.training import SkillRecordUpdated
from shared.messaging.consumer import Subscription, on, on_runs
from shared.runtime.service import Service
from shared.taxonomy import load_fields, load_skills

log = logging.getLogger(__name__)


def channels(settings: NotifySettings) -> Callable[[], AbstractAsyncContextManager[Mapping[Channel, Sender]]]:
    """The configured channels, opened for as long as the dispatcher runs."""

    @asynccontextmanager
    async def open_channels() -> AsyncIterator[Mapping[Channel, Sender]]:
        async with httpx.AsyncClient(timeout=settings.http_timeout, follow_redirects=False) as client:
            senders: dict[Channel, Sender] = {
                "webhook": WebhookSender(
                    client,
                    {agency: secret.get_secret_value() for agency, secret in settings.webhook_secrets.items()},
                    allow_http=settings.webhook_allow_http,
                )
            }
            email: EmailSender | None = None
            if settings.smtp_host:
                senders["email"] = email = EmailSender(
                    host=settings.smtp_host,
                    port=settings.smtp_port,
                    security=settings.smtp_security,
                    username=settings.smtp_username,
                    password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                    timeout=settings.smtp_timeout,
                    mail_from=settings.mail_from,
                    connections=settings.dispatch_concurrency,  # never more sends in flight than that
                )
            if settings.line_channel_token is not None:
                senders["line"] = LineSender(
                    client, base_url=settings.line_api_base, token=settings.line_channel_token.get_secret_value()
                )
            try:
                yield senders
            finally:
                if email is not None:
                    await email.close()

    return open_channels


def build(settings: NotifySettings) -> Service:
    fields = load_fields(settings.fields_file)
    renderer = Renderer(fields, load_skills(settings.skills_file, fields=fields))
    enabled = settings.enabled_channels()

    async def announce_channels(service: Service) -> None:
        for channel, variable in (("email", "SMTP_HOST"), ("line", "LINE_CHANNEL_TOKEN")):
            if channel not in enabled:
                log.warning("notify: %s is off (KAKEHASHI_NOTIFY_%s is not set)", channel, variable)

    notifier = Notifier(renderer, enabled)
    agencies = AgencyHandlers(
        notifier, fields, settings.webhook_secrets, allow_http_webhooks=settings.webhook_allow_http
    )
    upstream = ServiceHandlers(notifier)
    dispatcher = Dispatcher(
        channels(settings),
        RetryPolicy(settings.send_attempts, settings.send_retry_delay, settings.send_retry_max_delay),
        Pace(
            interval=settings.dispatch_interval,
            batch=settings.dispatch_batch,
            concurrency=settings.dispatch_concurrency,
            lease=settings.dispatch_lease,
            drain=settings.graceful_timeout,
        ),
    )
    digester = Digester(notifier, DigestClock(settings.digest_period, settings.digest_at), on_staged=dispatcher.wake)
    waiting_limit = timedelta(days=settings.await_recipient_days)

    async def expire_waiting_messages(service: Service) -> None:
        await expire_waiting(service, after=waiting_limit)

    return Service(
        "notify",
        settings,
        subscriptions=[
            Subscription(
                "agencies",
                (
                    on_runs(ProfileSubmitted, agencies.profiles_submitted),
                    on(ProfileWithdrawn, agencies.profile_withdrawn),
                    on(PreferencesUpdated, agencies.preferences_updated),
                    on(WebhookRegistered, agencies.webhook_registered),
                    on(BulletinPublished, agencies.bulletin_published),
                ),
            ),
            Subscription(
                "matches",
                (
                    on_runs(MatchProposed, upstream.matches_proposed),
                    on_runs(MatchConfirmed, upstream.matches_confirmed),
                ),
            ),
            Subscription(
                "events",
                (
                    on_runs(RegistrationConfirmed, upstream.registrations),
                    on_runs(RegistrationWaitlisted, upstream.registrations),
                    on_runs(RegistrationPromoted, upstream.registrations),
                    on_runs(MeetingScheduled, upstream.meetings_scheduled),
                ),
            ),
            Subscription("training", (on_runs(SkillRecordUpdated, upstream.skill_records_updated),)),
            Subscription("retries", (on(NotificationRetryRequested, upstream.retry_requested),)),
        ],
        startup=[announce_channels],
        background=[dispatcher.dispatch, digester.digest, expire_waiting_messages],
        after_commit=[dispatcher.wake],  # a staged notification goes out at once, not at the next poll
    )
