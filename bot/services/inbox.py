"""The staff inbox: what waits for triage, and one issue as staff see it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import NotFound
from bot.domain.issue_status import IssueStatus
from bot.services.directory import category_view
from bot.services.intake import NUMBER_PREFIX, format_number
from bot.services.issues import load_issue
from bot.services.views import CategoryView, IssueEventView
from storage.models import Issue
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class InboxRow:
    id: int
    number: str
    status: IssueStatus
    created_at: datetime
    preview: str  # empty for a voice message or photos alone
    voice: bool = False
    photos: int = 0


@dataclass(frozen=True)
class QuestionView:
    """A question the office relayed to the raiser, and their answer once it came."""

    asked_at: datetime
    asked_by: str
    question: str
    answer: str | None
    answered_at: datetime | None


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
    # How to reach the raiser (staff only): their Telegram @username and id.
    raiser_username: str | None = None
    raiser_telegram_id: int | None = None
    supporter_names: tuple[str, ...] = ()
    history: tuple[IssueEventView, ...] = ()
    questions: tuple[QuestionView, ...] = ()
    topic_number: str | None = None
    topic_title: str | None = None
    duplicate_of: str | None = None
    # Where the raiser lives (staff only), when it is not where the matter is.
    raiser_village: str | None = None


_TYPED_NUMBER = re.compile(rf"(?:{NUMBER_PREFIX}-?)?(?:(\d{{4}})-)?(\d{{1,6}})")


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
    media = await uow.staff.media([issue.id for issue in issues])
    rows = [
        InboxRow(i.id, i.number, i.status, i.created_at, _preview(i), *media.get(i.id, (False, 0)))
        for i in issues
    ]
    return rows, total


async def card(
    uow: UnitOfWork, issue_id: int, township_id: int, *, for_staff: bool = True
) -> StaffIssueCard:
    """An issue of the township as the office sees it.

    Members (`for_staff=False`) see the raiser's name (and hear their voice message) only
    when the raiser agreed to be named, and nothing of how to reach anyone; the office's
    questions and the notes in the history (reasons, answers) stay with the office too.
    """
    issue = await load_issue(uow, issue_id, township_id)
    village = await uow.directory.village(issue.village_id) if issue.village_id else None
    category = await uow.directory.category(issue.category_id) if issue.category_id else None
    voice = next((a.file_id for a in issue.attachments if a.kind == "voice"), None)
    if not for_staff and issue.anonymous:
        voice = None  # a voice gives away who speaks
    location = (
        (issue.latitude, issue.longitude)
        if issue.latitude is not None and issue.longitude is not None
        else None
    )
    author = await uow.people.get(issue.author_id) if issue.author_id else None
    topic = await uow.topics.get(issue.topic_id) if issue.topic_id else None
    original = (
        await uow.issues.get_with_history(issue.duplicate_of_id) if issue.duplicate_of_id else None
    )
    named = author is not None and (for_staff or not issue.anonymous)
    history = tuple(
        IssueEventView(at=e.at, status=e.to_status, note=e.note if for_staff else None)
        for e in issue.events
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
        raiser=(author.first_name if named else "") if author is not None else None,
        anonymous=issue.anonymous,
        photo_file_ids=tuple(a.file_id for a in issue.attachments if a.kind == "photo"),
        voice_file_id=voice,
        location=location,
        supporters=await uow.issues.supporters_count(issue.id),
        topic_id=issue.topic_id,
        source=issue.source,
        source_ref=issue.source_ref,
        raiser_username=author.username if author is not None and for_staff else None,
        raiser_telegram_id=author.telegram_id if author is not None and for_staff else None,
        supporter_names=(
            tuple(p.first_name for p in await uow.staff.supporters(issue.id)) if for_staff else ()
        ),
        history=history,
        questions=await _questions(uow, issue.id) if for_staff else (),
        topic_number=topic.number if topic else None,
        topic_title=topic.title if topic else None,
        duplicate_of=original.number if original else None,
        raiser_village=await _home_if_elsewhere(uow, issue) if for_staff else None,
    )


async def _home_if_elsewhere(uow: UnitOfWork, issue: Issue) -> str | None:
    home_id = issue.reporter_village_id
    if home_id is None or home_id == issue.village_id:
        return None
    home = await uow.directory.village(home_id)
    return home.name if home is not None else None


async def _questions(uow: UnitOfWork, issue_id: int) -> tuple[QuestionView, ...]:
    asked = await uow.staff.questions(issue_id)
    askers = {q.asked_by_id for q in asked if q.asked_by_id is not None}
    names = {person_id: await uow.inbox.author_name(person_id) for person_id in askers}
    return tuple(
        QuestionView(
            asked_at=q.asked_at,
            asked_by=names.get(q.asked_by_id, "") if q.asked_by_id else "",
            question=q.question,
            answer=q.answer,
            answered_at=q.answered_at,
        )
        for q in asked
    )


def normalise_number(text: str, year: int) -> str | None:
    """The issue number someone typed, written as the bot writes it (YS-2026-000123).

    Accepts the full number in any case, with or without the prefix or the year; a number
    without a year is of `year`.
    """
    flat = "".join(text.split()).upper()
    for dash in ("－", "—", "–", "_"):
        flat = flat.replace(dash, "-")
    match = _TYPED_NUMBER.fullmatch(flat)
    if match is None:
        return None
    return format_number(int(match.group(1) or year), int(match.group(2)))


async def issue_by_number(uow: UnitOfWork, township_id: int, number: str) -> int:
    """The id of the township's issue with this number (NotFound otherwise)."""
    issue = await uow.issues.by_number(number)
    if issue is None or issue.township_id != township_id:
        raise NotFound("issue", number)
    return issue.id


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
