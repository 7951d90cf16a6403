"""SQLAlchemy 2 models: the only description of the schema (Alembic migrations follow it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus

# Stable constraint names, so that batch migrations on SQLite can find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum_cls: type[Any], name: str) -> Enum:
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Township(Base):
    __tablename__ = "townships"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # How staff hear of new issues: "each" one as it comes, a "digest" every
    # `alert_digest_hours`, or "off".
    new_issue_alerts: Mapped[str] = mapped_column(String(8), default="each", server_default="each")
    alert_digest_hours: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
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
    __table_args__ = (Index("ix_topics_township_status", "township_id", "status"),)

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
