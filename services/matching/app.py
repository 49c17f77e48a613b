"""The matching service's wiring: its subscriptions, start-up hook and expiry timer on the shared runtime."""

from services.matching.config import MatchingSettings
from services.matching.domain.profiles import Vocabulary
from services.matching.handlers import Matchmaker
from shared.contracts.agency.company import ProfileSubmitted, ProfileWithdrawn
from shared.contracts.agency.match import MatchResponseSubmitted
from shared.contracts.training import SkillRecordUpdated
from shared.messaging.consumer import Subscription, on
from shared.reference import industries, regions
from shared.runtime.service import Service
from shared.taxonomy import load_fields, load_skills


def build(settings: MatchingSettings) -> Service:
    fields = load_fields(settings.fields_file)
    vocabulary = Vocabulary(industries(), regions(), frozenset(fields.ids()))
    matchmaker = Matchmaker(settings, vocabulary, load_skills(settings.skills_file, fields=fields))
    return Service(
        "matching",
        settings,
        subscriptions=[
            # One subscription, so that a company's profile, withdrawal and answers keep their order.
            Subscription(
                "agencies",
                (
                    on(ProfileSubmitted, matchmaker.submit_profile),
                    on(ProfileWithdrawn, matchmaker.withdraw_profile),
                    on(MatchResponseSubmitted, matchmaker.answer),
                ),
            ),
            Subscription("skills", (on(SkillRecordUpdated, matchmaker.record_skill),)),
        ],
        startup=[matchmaker.load],
        background=[matchmaker.expire_matches],
    )
