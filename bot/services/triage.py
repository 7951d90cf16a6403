"""Staff triage of one issue: reject, mark duplicate, ask for more, re-file.

Every action changes the issue, writes the resident's notification and the audit entry in
one transaction. Acceptance into topics lives in bot/services/topics.py.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import DomainError, NotAllowed, NotFound
from bot.domain.issue_status import IssueStatus
from bot.services.issues import load_issue, transition_issue
from bot.services.outbox import NotificationKind, notify
from bot.services.topics import TRIAGE_STATUSES, WrongTownship
from storage.models import IssueQuestion, Support
from storage.uow import UnitOfWork

MAX_NOTE_CHARS = 1000


def _note(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise DomainError("empty text")
    return cleaned[:MAX_NOTE_CHARS]


async def _audit(
    uow: UnitOfWork,
    actor_id: int | None,
    action: str,
    issue_id: int,
    now: datetime,
    **details: object,
) -> None:
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action=action,
        object_type="issue",
        object_id=issue_id,
        details=dict(details) or None,
    )


async def reject(
    uow: UnitOfWork, *, issue_id: int, reason: str, actor_id: int | None, now: datetime
) -> None:
    issue = await load_issue(uow, issue_id)
    reason = _note(reason)
    await transition_issue(uow, issue, IssueStatus.REJECTED, actor_id, now, note=reason)
    if issue.author_id is not None:
        await notify(
            uow,
            recipient_id=issue.author_id,
            kind=NotificationKind.ISSUE_REJECTED,
            payload={"issue_number": issue.number, "reason": reason},
            dedupe_key=f"issue-rejected:{issue.id}",
            now=now,
        )
    await _audit(uow, actor_id, "issue.reject", issue.id, now, reason=reason)
    await uow.commit()


async def mark_duplicate(
    uow: UnitOfWork, *, issue_id: int, original_id: int, actor_id: int | None, now: datetime
) -> None:
    """The issue repeats another: its raiser becomes a supporter of the original."""
    if issue_id == original_id:
        raise DomainError("an issue cannot duplicate itself")
    issue, original = await load_issue(uow, issue_id), await load_issue(uow, original_id)
    if issue.township_id != original.township_id:
        raise WrongTownship(f"issues {issue.id} and {original.id}")
    await transition_issue(uow, issue, IssueStatus.MERGED, actor_id, now, note=original.number)
    issue.duplicate_of_id = original.id
    if issue.author_id is not None:
        if issue.author_id != original.author_id:
            await uow.issues.add_support(
                Support(person_id=issue.author_id, issue_id=original.id, created_at=now)
            )
        if original.topic_id is not None:
            await uow.topics.follow(original.topic_id, issue.author_id, "supporter", now)
        await notify(
            uow,
            recipient_id=issue.author_id,
            kind=NotificationKind.ISSUE_MERGED,
            payload={"issue_number": issue.number, "original_number": original.number},
            dedupe_key=f"issue-merged:{issue.id}",
            now=now,
        )
    await _audit(uow, actor_id, "issue.duplicate", issue.id, now, original=original.id)
    await uow.commit()


async def ask_for_information(
    uow: UnitOfWork, *, issue_id: int, question: str, actor_id: int | None, now: datetime
) -> int:
    """Relay a question to the resident; returns the question's id."""
    issue = await load_issue(uow, issue_id)
    if issue.author_id is None:
        raise DomainError("imported issues have no one to ask")
    question = _note(question)
    if issue.status is not IssueStatus.NEEDS_INFO:
        await transition_issue(uow, issue, IssueStatus.NEEDS_INFO, actor_id, now, note=question)
    asked = IssueQuestion(issue_id=issue.id, asked_by_id=actor_id, question=question, asked_at=now)
    uow.session.add(asked)
    await uow.flush()
    await notify(
        uow,
        recipient_id=issue.author_id,
        kind=NotificationKind.ISSUE_NEEDS_INFO,
        payload={"issue_number": issue.number, "question": question, "question_id": asked.id},
        dedupe_key=f"issue-question:{asked.id}",
        now=now,
    )
    await _audit(uow, actor_id, "issue.ask", issue.id, now, question=question)
    await uow.commit()
    return asked.id


async def answer_question(
    uow: UnitOfWork, *, question_id: int, person_id: int, answer: str, now: datetime
) -> str:
    """The resident's answer is attached to the issue, which returns to the inbox; the staff
    member who asked is told. Returns the issue number."""
    asked = await uow.session.get(IssueQuestion, question_id)
    if asked is None:
        raise NotFound("question", question_id)
    issue = await load_issue(uow, asked.issue_id)
    if issue.author_id != person_id:
        raise NotAllowed("only the person who raised the issue answers its questions")
    if asked.answer is not None:
        raise DomainError("this question was answered already")
    asked.answer = _note(answer)
    asked.answered_at = now
    if issue.status is IssueStatus.NEEDS_INFO:
        await transition_issue(uow, issue, IssueStatus.SUBMITTED, person_id, now, note=asked.answer)
    if asked.asked_by_id is not None:
        await notify(
            uow,
            recipient_id=asked.asked_by_id,
            kind=NotificationKind.ISSUE_INFO_RECEIVED,
            payload={"issue_number": issue.number, "answer": asked.answer},
            dedupe_key=f"issue-answer:{asked.id}",
            now=now,
        )
    await _audit(uow, person_id, "issue.answer", issue.id, now)
    await uow.commit()
    return issue.number


async def refile(
    uow: UnitOfWork,
    *,
    issue_id: int,
    actor_id: int | None,
    now: datetime,
    category_id: int | None = None,
    village_id: int | None = None,
) -> None:
    """Change an issue's category or village; a category set by staff counts as confirmed."""
    issue = await load_issue(uow, issue_id)
    if issue.status not in TRIAGE_STATUSES | {IssueStatus.ACCEPTED}:
        raise DomainError(f"issue {issue.number} is {issue.status}")
    changes: list[tuple[str, str]] = []
    if category_id is not None:
        category = await uow.directory.category(category_id)
        if category is None or category.township_id != issue.township_id:
            raise NotFound("category", category_id)
        issue.category_id = category.id
        issue.category_confirmed = True
        changes.append(("category", category.label))
    if village_id is not None:
        village = await uow.directory.village(village_id)
        if village is None or village.township_id != issue.township_id:
            raise NotFound("village", village_id)
        issue.village_id = village.id
        changes.append(("village", village.name))
    issue.updated_at = now
    for what, value in changes:
        if issue.author_id is not None:
            await notify(
                uow,
                recipient_id=issue.author_id,
                kind=NotificationKind.ISSUE_UPDATED,
                payload={"issue_number": issue.number, "what": what, "value": value},
                dedupe_key=f"issue-updated:{issue.id}:{what}:{value}:{now.isoformat()}",
                now=now,
            )
        await _audit(uow, actor_id, f"issue.{what}", issue.id, now, value=value)
    await uow.commit()
