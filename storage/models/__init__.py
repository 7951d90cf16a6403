"""SQLAlchemy 2 models: the only description of the schema (Alembic migrations follow it).

One module per part of the chain: `core` (townships, people, issues, topics, the outbox,
flows, jobs), `meetings` (convening, invitations, opinions, outcomes), `followup` (action
items' progress, ratings, looking back).
"""

from storage.models.base import NAMING_CONVENTION, Base, UTCDateTime
from storage.models.core import (
    Attachment,
    AuditLog,
    Category,
    ChatFlow,
    Counter,
    Follower,
    GroupingLink,
    Issue,
    IssueEvent,
    IssueQuestion,
    Notification,
    Person,
    ReceivedUpdate,
    Role,
    ScheduledJob,
    Support,
    Topic,
    Township,
    Village,
)
from storage.models.followup import LookBack, ProgressUpdate, Rating
from storage.models.meetings import (
    ActionItem,
    CalendarDay,
    GuestPass,
    Invitation,
    Meeting,
    MeetingTopic,
    Opinion,
    OpinionVote,
    Outcome,
)

__all__ = [
    "NAMING_CONVENTION",
    "ActionItem",
    "Attachment",
    "AuditLog",
    "Base",
    "CalendarDay",
    "Category",
    "ChatFlow",
    "Counter",
    "Follower",
    "GroupingLink",
    "GuestPass",
    "Invitation",
    "Issue",
    "IssueEvent",
    "IssueQuestion",
    "LookBack",
    "Meeting",
    "MeetingTopic",
    "Notification",
    "Opinion",
    "OpinionVote",
    "Outcome",
    "Person",
    "ProgressUpdate",
    "Rating",
    "ReceivedUpdate",
    "Role",
    "ScheduledJob",
    "Support",
    "Topic",
    "Township",
    "UTCDateTime",
    "Village",
]
