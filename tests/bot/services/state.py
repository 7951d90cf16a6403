"""Everything a triage or topic action may write, to show that a refused one wrote nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.db import SessionFactory
from storage.models import (
    AuditLog,
    Counter,
    Follower,
    Issue,
    IssueEvent,
    IssueQuestion,
    Notification,
    Support,
    Topic,
)


async def snapshot(session_factory: SessionFactory) -> dict[str, list[tuple[Any, ...]]]:
    """The rows issues, topics and their people are made of, read in a fresh session."""
    async with session_factory() as session:
        return {
            "issues": [
                (
                    i.id,
                    i.status,
                    i.topic_id,
                    i.duplicate_of_id,
                    i.category_id,
                    i.village_id,
                    i.category_confirmed,
                    i.updated_at,
                )
                for i in await session.scalars(select(Issue).order_by(Issue.id))
            ],
            "events": [
                (e.issue_id, e.from_status, e.to_status, e.note)
                for e in await session.scalars(select(IssueEvent).order_by(IssueEvent.id))
            ],
            "questions": [
                (q.issue_id, q.question, q.answer)
                for q in await session.scalars(select(IssueQuestion).order_by(IssueQuestion.id))
            ],
            "supports": [
                (s.person_id, s.issue_id)
                for s in await session.scalars(select(Support).order_by(Support.id))
            ],
            "topics": [
                (t.id, t.number, t.status, t.merged_into_id, t.updated_at)
                for t in await session.scalars(select(Topic).order_by(Topic.id))
            ],
            "followers": sorted(
                (f.topic_id, f.person_id, f.reason) for f in await session.scalars(select(Follower))
            ),
            "notifications": [
                (n.recipient_id, n.kind, n.payload)
                for n in await session.scalars(select(Notification).order_by(Notification.id))
            ],
            "audit": [
                (a.action, a.object_type, a.object_id)
                for a in await session.scalars(select(AuditLog).order_by(AuditLog.id))
            ],
            "counters": sorted((c.name, c.value) for c in await session.scalars(select(Counter))),
        }
