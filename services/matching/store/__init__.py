"""The matching service's storage: tables, buffered bulk writes and the reads handlers need. Nothing here commits.

Every change to profiles, skill records or matches made while matching carries the *revision* of
its transaction (a counter bumped once per transaction), so that a process can bring its in-memory
index up to date with one query per batch: "what changed since the revision I have seen?".
"""

from services.matching.store.reads import (
    Changes,
    FoundMatch,
    PartyRow,
    StoredProfile,
    StoredSkill,
    as_match,
    changes_since,
    current_revision,
    due_matches,
    match_to_answer,
    next_revision,
    open_matches_of,
    parties,
    record_state,
    take_matching_lock,
)
from services.matching.store.tables import MatchingBase, MatchRow, ProfileRow, RevisionRow, SkillRow
from services.matching.store.writes import Pending, Undo, Writes, match_state

__all__ = [
    "Changes",
    "FoundMatch",
    "MatchRow",
    "MatchingBase",
    "PartyRow",
    "Pending",
    "ProfileRow",
    "RevisionRow",
    "SkillRow",
    "StoredProfile",
    "StoredSkill",
    "Undo",
    "Writes",
    "as_match",
    "changes_since",
    "current_revision",
    "due_matches",
    "match_state",
    "match_to_answer",
    "next_revision",
    "open_matches_of",
    "parties",
    "record_state",
    "take_matching_lock",
]
