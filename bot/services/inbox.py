"""The staff inbox: what waits for triage, and one issue as staff see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.issue_status import IssueStatus
from bot.services.directory import category_view
from bot.services.issues import load_issue
from bot.services.views import CategoryView
from storage.models import Issue
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class InboxRow:
    id: int
    number: str
    status: IssueStatus
    created_at: datetime
    preview: str


@dataclass(frozen=True)
class StaffIssueCard:
    id: int
    number: str
    township_id: int
    status: IssueStatus
    created_at: datetime
    title: str | None
    text: str
    village_id: int | None
    village: str | None
    place: str | None
    category: CategoryView | None
    raiser: str | None  # None for imported issues
    anonymous: bool
    photo_file_ids: tuple[str, ...]
    voice_file_id: str | None
    location: tuple[float, float] | None
    supporters: int
    topic_id: int | None
    source: str
    source_ref: str | None


def _preview(issue: Issue, limit: int = 36) -> str:
    flat = " ".join((issue.title or issue.text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


async def page(
    uow: UnitOfWork,
    township_id: int,
    *,
    page: int,
    page_size: int,
    village_id: int | None = None,
    category_id: int | None = None,
) -> tuple[list[InboxRow], int]:
    total = await uow.inbox.count(township_id, village_id=village_id, category_id=category_id)
    issues = await uow.inbox.page(
        township_id,
        limit=page_size,
        offset=page * page_size,
        village_id=village_id,
        category_id=category_id,
    )
    rows = [InboxRow(i.id, i.number, i.status, i.created_at, _preview(i)) for i in issues]
    return rows, total


async def card(uow: UnitOfWork, issue_id: int, township_id: int) -> StaffIssueCard:
    issue = await load_issue(uow, issue_id, township_id)
    village = await uow.directory.village(issue.village_id) if issue.village_id else None
    category = await uow.directory.category(issue.category_id) if issue.category_id else None
    voice = next((a.file_id for a in issue.attachments if a.kind == "voice"), None)
    location = (
        (issue.latitude, issue.longitude)
        if issue.latitude is not None and issue.longitude is not None
        else None
    )
    return StaffIssueCard(
        id=issue.id,
        number=issue.number,
        township_id=issue.township_id,
        status=issue.status,
        created_at=issue.created_at,
        title=issue.title,
        text=issue.text,
        village_id=issue.village_id,
        village=village.name if village else None,
        place=issue.place,
        category=category_view(category) if category else None,
        raiser=await uow.inbox.author_name(issue.author_id) if issue.author_id else None,
        anonymous=issue.anonymous,
        photo_file_ids=tuple(a.file_id for a in issue.attachments if a.kind == "photo"),
        voice_file_id=voice,
        location=location,
        supporters=await uow.issues.supporters_count(issue.id),
        topic_id=issue.topic_id,
        source=issue.source,
        source_ref=issue.source_ref,
    )


async def labels_of(uow: UnitOfWork, items: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Number and a short text for each ("issue" | "topic", id), to name them on a card."""
    issues = await uow.issues.many([item_id for kind, item_id in items if kind == "issue"])
    topics = await uow.topics.many([item_id for kind, item_id in items if kind == "topic"])
    labels: dict[tuple[str, int], str] = {}
    for kind, item_id in items:
        if kind == "topic" and item_id in topics:
            topic = topics[item_id]
            labels[(kind, item_id)] = f"{topic.number} {topic.title}"
        elif kind == "issue" and item_id in issues:
            labels[(kind, item_id)] = f"{issues[item_id].number} {_preview(issues[item_id], 30)}"
    return labels
