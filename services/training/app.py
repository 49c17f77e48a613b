"""The training service's wiring: one ordered subscription to COLLAB_IN, and the credentials endpoint."""

import sys

from services.training.api import credentials_endpoint
from services.training.config import TrainingSettings
from services.training.domain.credentials import Issuer
from services.training.handlers import Training
from shared.contracts.agency.company import ProfileSubmitted, ProfileWithdrawn
from shared.contracts.agency.training import CompletionRecorded, CoursePublished, LearnerErasureRequested
from shared.messaging.consumer import Subscription, on
from shared.runtime.service import Service
from shared.taxonomy import TaxonomyError, load_fields, load_skills


def build(settings: TrainingSettings) -> Service:
    try:
        skills = load_skills(settings.skills_file, fields=load_fields(settings.fields_file))
    except TaxonomyError as error:
        # A broken operator file is a configuration error: say so, as for a malformed variable.
        print(f"error: KAKEHASHI_SKILLS_FILE / KAKEHASHI_FIELDS_FILE: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    training = Training(
        skills=skills,
        issuer=Issuer(id=settings.issuer_id, name=settings.issuer_name, url=settings.issuer_url),
    )
    # One subscription, so that courses, completions, erasures and withdrawals are handled in
    # the order they were published: an erasure never overtakes the completion before it.
    inbound = Subscription(
        "inbound",
        (
            on(CoursePublished, training.publish_course),
            on(CompletionRecorded, training.record_completion),
            on(LearnerErasureRequested, training.erase_learner),
            on(ProfileWithdrawn, training.withdraw_company),
            on(ProfileSubmitted, training.readmit_company),
        ),
    )
    return Service(
        "training",
        settings,
        subscriptions=[inbound],
        background=[credentials_endpoint(settings.credentials_subject)],
    )
