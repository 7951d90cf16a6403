"""The core tables: townships, people, issues, topics, the outbox, flows and jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus
from storage.models.base import Base, UTCDateTime, _enum


class Township(Base):
    __tablename__ = "townships"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # How staff hear of new issues: "each" one as it comes, a "digest" every
    # `alert_digest_hours`, or "off".
    new_issue_alerts: Mapped[str] = mapped_column(String(8), default="each", server_default="each")
    alert_digest_hours: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    # Hours before a meeting its invitees are reminded ("24,2").
    meeting_reminders: Mapped[str] = mapped_column(
        String(32), default="24,2", server_default="24,2"
    )
    # Days after resolution residents are asked to look back (回头看).
    review_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # Days within which an issue counts as answered for the response rate.
    response_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    villages: Mapped[list[Village]] = relationship(
        back_populates="township", order_by="Village.position"
    )


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("township_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)

    township: Mapped[Township] = relationship(back_populates="villages")


class Category(Base):
    """Issue categories are per township; default keys have translated names in locales/."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("township_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    # The locale the person chose with /lang; None means "derive from language_code".
    locale: Mapped[str | None] = mapped_column(String(16))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"))
    # Staff of several townships work in one at a time; None means the first they serve.
    working_township_id: Mapped[int | None] = mapped_column(
        ForeignKey("townships.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The command menu last set for the person's own chat (which roles, which language), so
    # it is set again only when their roles or language change; None: Telegram's default.
    menu: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def display_name(self) -> str:
        """How others see the person: their Telegram name, else @username, else the id they
        were given a role by (someone who has not opened the bot yet has neither)."""
        if self.first_name:
            return self.first_name
        return f"@{self.username}" if self.username else f"ID {self.telegram_id}"


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("person_id", "township_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    role: Mapped[RoleName] = mapped_column(_enum(RoleName, "role_name"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Issue(Base):
    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("township_id", "source", "source_ref"),
        Index("ix_issues_author_created", "author_id", "created_at"),
        Index("ix_issues_township_status", "township_id", "status"),
        # The office's figures count a township's issues by the day they came in; the index
        # holds every column they read, so a year of issues is counted from it alone.
        Index(
            "ix_issues_township_created",
            "township_id",
            "created_at",
            "village_id",
            "category_id",
            "first_answered_at",
            "topic_id",
        ),
        # A topic's villages (the figures by village of topics, ratings, action items).
        Index("ix_issues_topic_village", "topic_id", "village_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    # Where it happened (the resident picks it; their home village by default).
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"))
    # Where the resident lives, when they raised it (may differ from where it happened).
    reporter_village_id: Mapped[int | None] = mapped_column(
        ForeignKey("villages.id", ondelete="SET NULL")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    title: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[IssueStatus] = mapped_column(_enum(IssueStatus, "issue_status"))
    # "telegram" for issues raised in chat, "import" for hotline / message-board exports.
    source: Mapped[str] = mapped_column(String(16), default="telegram")
    source_ref: Mapped[str | None] = mapped_column(String(64))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Free-text place from imports (hotline exports name streets and estates, not villages).
    place: Mapped[str | None] = mapped_column(String(200))
    likes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), index=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL")
    )
    # When the office first answered it (accepted, asked a question, or rejected with a
    # reason): kept on the issue so the response figures need no scan of its history.
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Staff confirmed the category: such issues teach the township's category model.
    category_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="issue", order_by="Attachment.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[IssueEvent]] = relationship(
        back_populates="issue", order_by="IssueEvent.id", cascade="all, delete-orphan"
    )


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo | voice
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)

    issue: Mapped[Issue] = relationship(back_populates="attachments")


class IssueEvent(Base):
    """The history a resident sees under an issue: submission and every status change."""

    __tablename__ = "issue_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    from_status: Mapped[IssueStatus | None] = mapped_column(_enum(IssueStatus, "from_status"))
    to_status: Mapped[IssueStatus] = mapped_column(_enum(IssueStatus, "to_status"))
    note: Mapped[str | None] = mapped_column(Text)

    issue: Mapped[Issue] = relationship(back_populates="events")


class Support(Base):
    """附议: a person joining an issue raised by someone else."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("person_id", "issue_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Counter(Base):
    """Named monotonic counters (public issue numbers per year)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ChatFlow(Base):
    """Where a chat stands in its conversations: a stack of open flows, top last.

    One row per private chat, written in the same transaction as the step's own data, so a
    crash never separates what was answered from where the conversation is.
    """

    __tablename__ = "chat_flows"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # [{"flow": name, "state": state, "data": {...}, "expires_at": ISO time}, ...]
    frames: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Topic(Base):
    """议题: one matter at one place, gathering the issues that raise it."""

    __tablename__ = "topics"
    __table_args__ = (
        Index("ix_topics_township_status", "township_id", "status"),
        # The office's figures: topics opened, and resolved, in a period.
        Index("ix_topics_township_created", "township_id", "created_at"),
        Index("ix_topics_township_resolved", "township_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TopicStatus] = mapped_column(_enum(TopicStatus, "topic_status"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    # The latest resolution, and how many times it was reopened since the first (ratings
    # and look-backs count rounds by it).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_note: Mapped[str | None] = mapped_column(Text)
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Follower(Base):
    """Who is carried along a topic: raisers and supporters automatically, others by choice."""

    __tablename__ = "followers"
    __table_args__ = (UniqueConstraint("topic_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    # raiser | supporter | member | staff
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IssueQuestion(Base):
    """A question staff relayed to the resident, and the resident's answer."""

    __tablename__ = "issue_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """Outbox: every push is written with the change that causes it, then sent."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_recipient", "recipient_id", "status"),
        # The dispatcher's claim: per township, the most urgent first, oldest first.
        Index("ix_notifications_queue", "status", "township_id", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The same event never produces two rows (unique), so retries of the cause are safe.
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    # pending | sending (claimed by a dispatcher) | sent | failed (gave up) | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The Telegram message it became, so a reply to it can be matched (e.g. an answer to
    # the office's question).
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Lower goes first (bot/services/outbox.py: a meeting reminder before a digest).
    priority: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    # The recipient's township when queued, so one township's broadcast does not starve
    # another's pushes. Not a foreign key: only a key to share the sending fairly.
    township_id: Mapped[int | None] = mapped_column(Integer)


class ScheduledJob(Base):
    """Work due at a time (a reminder, a nag, a look back): a row, not a timer in memory.

    A job runs once, in the transaction that writes what it causes (its notifications),
    across restarts and across several bot processes; a late job decides for itself whether
    it still makes sense (a reminder for a meeting that already started is skipped).
    """

    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index("ix_scheduled_jobs_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    # One job per key: scheduling the same key again moves the pending job.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending | running (claimed; lease_until holds the claim's end) | done | skipped | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReceivedUpdate(Base):
    """An update from Telegram, stored before it is acknowledged and marked handled in the
    transaction of its handling, together with the answers to send: each update is handled
    once, also across a crash or a replayed webhook; what was accepted but not handled is
    handled after a restart, and answers committed but not sent are sent then.
    """

    __tablename__ = "received_updates"
    __table_args__ = (
        Index("ix_received_updates_status", "status", "update_id"),
        # A chat's recent arrivals, counted by every process (bot/updates.py).
        Index("ix_received_updates_chat", "chat_id", "received_at"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending | handled (committed; its answers below wait to be confirmed sent) | done
    status: Mapped[str] = mapped_column(String(8), default="pending")
    replies: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GroupingLink(Base):
    """A staff correction to the grouping: two issues that belong together or apart.

    One row per unordered pair (``low_issue_id`` < ``high_issue_id``); the newest
    decision replaces the older one, so a split after a merge keeps the pair apart.
    """

    __tablename__ = "grouping_links"
    __table_args__ = (
        UniqueConstraint("low_issue_id", "high_issue_id"),
        Index("ix_grouping_links_township", "township_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    low_issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    high_issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    together: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
