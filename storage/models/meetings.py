"""Deliberation meetings (协商议事会): convening, invitations, opinions before, outcomes after."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Meeting(Base):
    """One meeting about one or more selected topics of a township."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_township_starts", "township_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # HY-2026-0001
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    # onsite (现场) | online (线上) | hybrid (混合)
    format: Mapped[str] = mapped_column(String(8), default="onsite")
    place: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_link: Mapped[str | None] = mapped_column(String(500))
    agenda: Mapped[list[str]] = mapped_column(JSON, default=list)
    # None: no limit. Beyond it, "yes" answers wait in line.
    capacity: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    # scheduled | cancelled (a meeting that took place is one whose time has passed)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Check-in: whether it is open, and the staff message whose count is edited in place.
    checkin_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    checkin_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    checkin_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingTopic(Base):
    """A topic deliberated at a meeting; opinions on it may be gathered until it starts."""

    __tablename__ = "meeting_topics"
    __table_args__ = (UniqueConstraint("meeting_id", "topic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    opinions_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Invitation(Base):
    """A person invited to a meeting (协商主体), their answer and their attendance."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    # resident | member | staff | department (部门代表) | village (村(社区)代表) | expert (专家)
    # | observer (列席)
    role: Mapped[str] = mapped_column(String(12))
    # Why they are invited: raiser | supporter | member | staff | guest | added
    reason: Mapped[str] = mapped_column(String(12))
    # pending | yes | no | maybe | waiting (said yes when the meeting was full)
    rsvp: Mapped[str] = mapped_column(String(8), default="pending")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Place in the waiting line: when they said yes to a full meeting.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Staff took them off the list (the row stays, so nobody is invited twice by accident).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GuestPass(Base):
    """A single-use invitation link for a guest (a department, a village, an expert)."""

    __tablename__ = "guest_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(24), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Opinion(Base):
    """网络议政: one short opinion per person per topic, before the meeting."""

    __tablename__ = "opinions"
    __table_args__ = (UniqueConstraint("topic_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    author_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    # Anonymous to everyone but staff.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OpinionVote(Base):
    __tablename__ = "opinion_votes"
    __table_args__ = (UniqueConstraint("opinion_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(
        ForeignKey("opinions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    vote: Mapped[str] = mapped_column(String(8))  # agree | disagree | pass
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Outcome(Base):
    """协商成果: what a meeting concluded; a draft until staff publish it."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    consensus: Mapped[str] = mapped_column(Text, default="")
    disagreements: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | published
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ActionItem(Base):
    """A thing to get done, decided at a meeting: who, by when, how far."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_owner_status", "owner_person_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("outcomes.id", ondelete="CASCADE"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    # A member of the township, or a named department or village without an account.
    owner_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="SET NULL")
    )
    owner_name: Mapped[str | None] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | done
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarDay(Base):
    """A day that breaks the weekday rule: a public holiday, or a weekend worked (调休).

    Filled by the admin where the calendar package has no data (years after its last
    release); days it knows need no row.
    """

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")
