"""Reading a resident's own issues, and moving an issue through its status machine."""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import NotAllowed, NotFound, StaleState
from bot.domain.issue_status import FIRST_ANSWERS, IssueStatus, check_transition
from bot.services.directory import category_view, township_view, village_view
from bot.services.views import IssueDetail, IssueEventView, IssueSummary
from storage.models import Issue, IssueEvent
from storage.uow import UnitOfWork

PREVIEW_CHARS = 40


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


async def _summary(uow: UnitOfWork, issue: Issue, viewer_id: int | None = None) -> IssueSummary:
    category = await uow.directory.category(issue.category_id) if issue.category_id else None
    return IssueSummary(
        id=issue.id,
        number=issue.number,
        status=issue.status,
        created_at=issue.created_at,
        category=category_view(category) if category else None,
        preview=_preview(issue.title or issue.text),
        joined=viewer_id is not None and issue.author_id != viewer_id,
    )


async def my_issues(
    uow: UnitOfWork, person_id: int, *, page: int, page_size: int
) -> tuple[list[IssueSummary], int]:
    """One page of the issues the person raised or joined, newest first, and how many."""
    total = await uow.issues.count_raised_or_joined(person_id)
    rows = await uow.issues.raised_or_joined(person_id, limit=page_size, offset=page * page_size)
    return [await _summary(uow, issue, person_id) for issue in rows], total


async def issue_detail(uow: UnitOfWork, issue_id: int, viewer_id: int) -> IssueDetail:
    """An issue as its raiser, or a neighbour who joined it, sees it; anyone else is refused
    (ids in buttons can be forged)."""
    issue = await uow.issues.get_with_history(issue_id)
    if issue is None:
        raise NotFound("issue", issue_id)
    if issue.author_id != viewer_id and not await uow.issues.supports(viewer_id, issue.id):
        raise NotAllowed("only the raiser and those who joined may open this issue here")
    township = await uow.directory.township(issue.township_id)
    assert township is not None
    village = await uow.directory.village(issue.village_id) if issue.village_id else None
    location = (
        (issue.latitude, issue.longitude)
        if issue.latitude is not None and issue.longitude is not None
        else None
    )
    return IssueDetail(
        summary=await _summary(uow, issue, viewer_id),
        text=issue.text,
        township=township_view(township),
        village=village_view(village) if village else None,
        anonymous=issue.anonymous,
        photo_count=sum(1 for a in issue.attachments if a.kind == "photo"),
        has_voice=any(a.kind == "voice" for a in issue.attachments),
        location=location,
        supporters=await uow.issues.supporters_count(issue.id),
        events=tuple(
            IssueEventView(at=e.at, status=e.to_status, note=e.note) for e in issue.events
        ),
    )


async def load_issue(uow: UnitOfWork, issue_id: int, township_id: int | None = None) -> Issue:
    """The issue; with `township_id`, only if it belongs to that township (ids in buttons
    can be forged or outlive a change of township, so every service checks)."""
    issue = await uow.issues.get_with_history(issue_id)
    if issue is None or (township_id is not None and issue.township_id != township_id):
        raise NotFound("issue", issue_id)
    return issue


async def require_status(uow: UnitOfWork, issue: Issue, allowed: frozenset[IssueStatus]) -> None:
    """Raise StaleState, naming where the issue went, unless it is in one of `allowed`.

    A button shown a minute ago may act on an issue that was put into a topic, merged or
    rejected meanwhile (by someone else, or by the same person on another keyboard).
    """
    if issue.status in allowed:
        return
    related = None
    if issue.topic_id is not None:
        topic = await uow.topics.get(issue.topic_id)
        related = topic.number if topic else None
    elif issue.duplicate_of_id is not None:
        original = await uow.issues.get_with_history(issue.duplicate_of_id)
        related = original.number if original else None
    raise StaleState(issue.number, issue.status, related)


async def transition_issue(
    uow: UnitOfWork,
    issue: Issue,
    target: IssueStatus,
    actor_id: int | None,
    now: datetime,
    note: str | None = None,
) -> None:
    previous = issue.status
    check_transition(previous, target)
    if target in FIRST_ANSWERS and issue.first_answered_at is None:
        issue.first_answered_at = now  # the response rate counts from here
    await uow.issues.set_status(issue, target, now)
    await uow.issues.add_event(
        IssueEvent(
            issue_id=issue.id,
            at=now,
            actor_id=actor_id,
            from_status=previous,
            to_status=target,
            note=note,
        )
    )


async def change_status(
    uow: UnitOfWork,
    issue_id: int,
    target: IssueStatus,
    *,
    actor_id: int | None,
    now: datetime,
    note: str | None = None,
) -> IssueStatus:
    """Move an issue along its state machine, record the step in its history, and audit it."""
    issue = await load_issue(uow, issue_id)
    previous = issue.status
    await transition_issue(uow, issue, target, actor_id, now, note)
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="issue.status",
        object_type="issue",
        object_id=issue.id,
        details={"from": previous.value, "to": target.value, "note": note},
    )
    return target
