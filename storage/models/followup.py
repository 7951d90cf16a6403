"""Follow-through: progress on action items, satisfaction ratings, looking back (回头看)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class ProgressUpdate(Base):
    """A step forward on an action item, posted by its owner (or staff on their behalf)."""

    __tablename__ = "progress_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_item_id: Mapped[int] = mapped_column(
        ForeignKey("action_items.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    # Telegram file ids of the photos (an album is one update).
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    percent: Mapped[int | None] = mapped_column(Integer)
    # Staff posted it for an owner without an account (a department).
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Rating(Base):
    """满意 / 基本满意 / 不满意 of a raiser or supporter, once per resolution of a topic."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("topic_id", "person_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    # Which resolution it rates: a topic reopened and resolved again is rated again.
    round: Mapped[int] = mapped_column(Integer, default=1)
    value: Mapped[str] = mapped_column(String(12))  # satisfied | basic | unsatisfied
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LookBack(Base):
    """回头看: some time after resolution, is the matter still solved?"""

    __tablename__ = "look_backs"
    __table_args__ = (UniqueConstraint("topic_id", "round", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(12))  # still_solved | back_again
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
