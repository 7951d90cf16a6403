"""Staff triage of one issue: reject, mark duplicate, ask for more, re-file.

Every action checks that the issue belongs to the staff member's township and is still
where the button found it, then changes the issue, writes the resident's notification and
the audit entry in the caller's unit of work (the caller commits once). Acceptance into
topics lives in bot/services/topics.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import DomainError, NotAllowed, NotFound
from bot.domain.issue_status import LIVE_STATUSES, TRIAGE_STATUSES, IssueStatus
from bot.domain.rejections import REJECTION_REASONS
from bot.services.issues import load_issue, require_status, transition_issue
from bot.services.outbox import NotificationKind, notify, tell_issue_people
from storage.models import IssueQuestion, Support
from storage.uow import UnitOfWork

MAX_NOTE_CHARS = 1000


@dataclass(frozen=True)
class MediaRef:
    """A photo or voice note a resident sent (Telegram's file ids, nothing else)."""

    kind: str  # photo | voice
    file_id: str
    file_unique_id: str


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
    uow: UnitOfWork,
    *,
    township_id: int,
    issue_id: int,
    reason: str,
    actor_id: int | None,
    now: datetime,
    reason_key: str | None = None,
) -> str:
    """Reject with the reason the resident reads; returns the issue's number.

    A template reason comes with its key (bot/domain/rejections.py): each person told reads
    it in their own language, and `reason` (the office's wording) stays in the history.
    """
    if reason_key is not None and reason_key not in REJECTION_REASONS:
        raise DomainError(f"unknown rejection reason {reason_key!r}")
    issue = await load_issue(uow, issue_id, township_id)
    await require_status(uow, issue, TRIAGE_STATUSES)
    reason = _note(reason)
    await transition_issue(uow, issue, IssueStatus.REJECTED, actor_id, now, note=reason)
    payload = {"issue_number": issue.number, "reason": reason}
    if reason_key is not None:
        payload["reason_key"] = reason_key
    await tell_issue_people(
        uow,
        issue,
        kind=NotificationKind.ISSUE_REJECTED,
        payload=payload,
        dedupe_key=f"issue-rejected:{issue.id}",
        now=now,
    )
    await _audit(uow, actor_id, "issue.reject", issue.id, now, reason=reason)
    uow.changes.open_items.add(township_id)
    return issue.number


async def mark_duplicate(
    uow: UnitOfWork,
    *,
    township_id: int,
    issue_id: int,
    original_id: int,
    actor_id: int | None,
    now: datetime,
) -> str:
    """The issue repeats another: its raiser becomes a supporter of the original.

    Returns the original's number. The original must be live; a merged issue is not, so
    two issues can never end up duplicates of each other.
    """
    if issue_id == original_id:
        raise DomainError("an issue cannot duplicate itself")
    issue = await load_issue(uow, issue_id, township_id)
    original = await load_issue(uow, original_id, township_id)
    await require_status(uow, issue, TRIAGE_STATUSES)
    await require_status(uow, original, LIVE_STATUSES)
    await transition_issue(uow, issue, IssueStatus.MERGED, actor_id, now, note=original.number)
    issue.duplicate_of_id = original.id
    # Its raiser and its supporters all come along as supporters of the original.
    people = [issue.author_id, *await uow.issues.supporter_ids(issue.id)]
    for person_id in dict.fromkeys(p for p in people if p is not None):
        if person_id != original.author_id:
            await uow.issues.add_support(
                Support(person_id=person_id, issue_id=original.id, created_at=now)
            )
        if original.topic_id is not None:
            await uow.topics.follow(original.topic_id, person_id, "supporter", now)
    await tell_issue_people(
        uow,
        issue,
        kind=NotificationKind.ISSUE_MERGED,
        payload={"issue_number": issue.number, "original_number": original.number},
        dedupe_key=f"issue-merged:{issue.id}",
        now=now,
    )
    await _audit(uow, actor_id, "issue.duplicate", issue.id, now, original=original.id)
    uow.changes.open_items.add(township_id)
    return original.number


async def ask_for_information(
    uow: UnitOfWork,
    *,
    township_id: int,
    issue_id: int,
    question: str,
    actor_id: int | None,
    now: datetime,
) -> int:
    """Relay a question to the resident; returns the question's id."""
    issue = await load_issue(uow, issue_id, township_id)
    await require_status(uow, issue, TRIAGE_STATUSES)
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
    return asked.id


async def answer_question(
    uow: UnitOfWork,
    *,
    question_id: int,
    person_id: int,
    answer: str,
    now: datetime,
    media: Sequence[MediaRef] = (),
) -> str:
    """The resident's answer (words, photos, a voice note) is added to the issue, which
    returns to the inbox; the staff member who asked is told. Returns the issue number."""
    asked = await uow.session.get(IssueQuestion, question_id)
    if asked is None:
        raise NotFound("question", question_id)
    issue = await load_issue(uow, asked.issue_id)
    if issue.author_id != person_id:
        raise NotAllowed("only the person who raised the issue answers its questions")
    if asked.answer is not None:
        raise DomainError("this question was answered already")
    text = " ".join(answer.split())[:MAX_NOTE_CHARS]
    if not text and not media:
        raise DomainError("empty answer")
    asked.answer = text
    asked.answered_at = now
    position = len(issue.attachments)
    for offset, ref in enumerate(media, start=1):
        uow.issues.attach(issue, ref.kind, ref.file_id, ref.file_unique_id, position + offset)
    if issue.status is IssueStatus.NEEDS_INFO:
        await transition_issue(uow, issue, IssueStatus.SUBMITTED, person_id, now, note=text)
    if asked.asked_by_id is not None:
        await notify(
            uow,
            recipient_id=asked.asked_by_id,
            kind=NotificationKind.ISSUE_INFO_RECEIVED,
            payload={
                "issue_number": issue.number,
                "answer": text,
                "issue_id": issue.id,
                "photos": sum(1 for ref in media if ref.kind == "photo"),
                "voices": sum(1 for ref in media if ref.kind == "voice"),
            },
            dedupe_key=f"issue-answer:{asked.id}",
            now=now,
        )
    await _audit(uow, person_id, "issue.answer", issue.id, now)
    uow.changes.open_items.add(issue.township_id)
    return issue.number


async def open_question(uow: UnitOfWork, person_id: int) -> int | None:
    """The newest question the office asked the person that is still unanswered, if any."""
    return await uow.issues.newest_open_question(person_id)


async def refile(
    uow: UnitOfWork,
    *,
    township_id: int,
    issue_id: int,
    actor_id: int | None,
    now: datetime,
    category_id: int | None = None,
    village_id: int | None = None,
) -> bool:
    """Change an issue's category or village; a category set by staff counts as confirmed.

    Returns False when nothing changed that the resident would see (the issue was filed
    that way already): then nobody is told anything. Confirming the category as it is
    still counts for the category model.
    """
    issue = await load_issue(uow, issue_id, township_id)
    await require_status(uow, issue, TRIAGE_STATUSES | {IssueStatus.ACCEPTED})
    # Both ids are checked before anything is written: a refusal changes nothing.
    category = await uow.directory.category(category_id) if category_id is not None else None
    village = await uow.directory.village(village_id) if village_id is not None else None
    if category_id is not None and (category is None or category.township_id != township_id):
        raise NotFound("category", category_id)
    if village_id is not None and (village is None or village.township_id != township_id):
        raise NotFound("village", village_id)
    changes: list[tuple[str, str]] = []
    if category is not None:
        if not issue.category_confirmed:
            # Staff looked at the category and kept or changed it: it teaches the model.
            issue.category_confirmed = True
            uow.changes.confirmed_categories.add(township_id)
        if issue.category_id != category.id:
            issue.category_id = category.id
            changes.append(("category", category.label))
    if village is not None and issue.village_id != village.id:
        issue.village_id = village.id
        changes.append(("village", village.name))
    if not changes:
        return False
    issue.updated_at = now
    for what, value in changes:
        await tell_issue_people(
            uow,
            issue,
            kind=NotificationKind.ISSUE_UPDATED,
            payload={"issue_number": issue.number, "what": what, "value": value},
            dedupe_key=f"issue-updated:{issue.id}:{what}:{value}:{now.isoformat()}",
            now=now,
        )
        await _audit(uow, actor_id, f"issue.{what}", issue.id, now, value=value)
    uow.changes.open_items.add(township_id)
    return True


async def awaiting_triage(uow: UnitOfWork, *, township_id: int, issue_id: int) -> str:
    """The issue's number, if it is in the township and still waits for triage (a picker
    shown for an issue that was dealt with meanwhile would only lead to a refusal)."""
    issue = await load_issue(uow, issue_id, township_id)
    await require_status(uow, issue, TRIAGE_STATUSES)
    return issue.number


def topic_title(text: str, fallback: str, limit: int = 60) -> str:
    """A first title for a topic made from one issue: its first clause (what and where,
    as residents write: "南湖社区东门的路灯坏了两个星期，晚上……"), shortened; staff rename it."""
    first = " ".join(text.split())
    clause = _CLAUSE_END.split(first, maxsplit=1)[0].strip()
    if len(clause) >= MIN_TITLE_CHARS:
        first = clause
    return (first[: limit - 1] + "…" if len(first) > limit else first) or fallback


# Where a resident's first clause ends; a shorter clause than MIN_TITLE_CHARS says too little.
_CLAUSE_END = re.compile(r"[，。！？；,.!?;]")
MIN_TITLE_CHARS = 6
