"""The outbox, seen from the domain: what kinds of pushes exist and how a service queues one.

A service that changes state calls `notify` inside its unit of work and commits both together,
so a push exists exactly when the change it reports does. Sending is someone else's job (the
dispatcher in bot/dispatcher.py); nothing here knows about Telegram.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from storage.models import Issue
from storage.uow import UnitOfWork


class NotificationKind(StrEnum):
    ISSUE_ACCEPTED = "issue_accepted"
    ISSUE_REJECTED = "issue_rejected"
    ISSUE_MERGED = "issue_merged"
    ISSUE_NEEDS_INFO = "issue_needs_info"
    ISSUE_INFO_RECEIVED = "issue_info_received"  # to the staff member who asked
    ISSUE_UPDATED = "issue_updated"
    TOPIC_MERGED = "topic_merged"
    ISSUE_TOPIC_CHANGED = "issue_topic_changed"  # split out into a topic of its own
    CATCH_UP = "catch_up"  # what changed while the person had blocked the bot
    # -- the office's side -------------------------------------------------------------------
    NEW_ISSUE = "new_issue"  # to staff: one issue came in (township alerts "each")
    ISSUE_DIGEST = "issue_digest"  # to staff: what came in the last hours ("digest")
    ROLE_CHANGED = "role_changed"  # to the person who was granted or lost a role
    ISSUE_TOPIC_MERGED = "issue_topic_merged"  # its topic was combined with another
    # -- meetings (协商议事会): bot/services/meetings.py, meeting_invites.py, meeting_checkin.py
    MEETING_INVITED = "meeting_invited"
    MEETING_RESCHEDULED = "meeting_rescheduled"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_PROMOTED = "meeting_promoted"  # a seat came free for the first in line
    MEETING_REMINDER = "meeting_reminder"
    MEETING_MESSAGE = "meeting_message"  # the office's words to every invitee
    MEETING_WALK_IN = "meeting_walk_in"  # to staff: someone not on the list scanned the QR
    MEETING_ADMITTED = "meeting_admitted"  # to that person: staff let them in

    # -- Deliberation meetings: opinions before, the outcome after (协商成果) ----------------
    OPINIONS_OPEN = "opinions_open"  # to a topic's followers and the meeting's invitees
    OPINION_DIGEST = "opinion_digest"  # to the township's staff, before the meeting
    OUTCOME_PUBLISHED = "outcome_published"  # to followers, raisers, supporters, attendees
    ACTION_ITEMS_ASSIGNED = "action_items_assigned"  # to an owner, their items of one outcome
    OUTCOME_OVERDUE = "outcome_overdue"  # to staff, once per working day
    # -- The liaison office's figures ----------------------------------------------------------
    MONTHLY_REPORT = "monthly_report"  # to staff on the 1st: last month's report is ready

    # -- After the work: resolving, rating, reopening, looking back (bot/services/resolution.py,
    # ratings.py, lookback.py) ----------------------------------------------------------------
    RESOLVE_SUGGESTED = "resolve_suggested"  # to staff: every action item of a topic is done
    TOPIC_RESOLVED = "topic_resolved"  # to followers who did not raise or join it
    RATING_REQUEST = "rating_request"  # to raisers and supporters: resolved, are you satisfied?
    RATING_UNSATISFIED = "rating_unsatisfied"  # to staff: 不满意, with the comment
    RATING_ANSWERED = "rating_answered"  # to that resident: the office's answer
    TOPIC_REOPENED = "topic_reopened"  # to followers, raisers and supporters
    LOOKBACK_ASK = "lookback_ask"  # to raisers and supporters: still solved?
    LOOKBACK_CHECK = "lookback_check"  # to the owners of the topic's items: go and see
    LOOKBACK_PROBLEM = "lookback_problem"  # to staff: "又出现了"
    TOPIC_REVIEWED = "topic_reviewed"  # to followers, raisers and supporters: round closed
    # -- Follow-through: progress on action items (bot/services/progress.py, overdue.py) -----
    PROGRESS_POSTED = "progress_posted"  # to a topic's followers, raisers, supporters, attendees
    ITEM_OVERDUE = "item_overdue"  # to the owner, once per working day up to a limit
    ITEM_OVERDUE_STAFF = "item_overdue_staff"  # to staff, once per item: the owner did not act
    OVERDUE_DIGEST = "overdue_digest"  # to staff, weekly: every overdue item, by owner


# The payload each kind carries. Rows outlive the code that wrote them (they wait in the
# database across deploys), so the renderer relies on exactly these fields being present.
# Pushes about an issue go to its raiser and to everyone who joined it (附议); `role` says
# which the recipient is, so each reads "your issue" or "the issue you joined".
PAYLOAD_FIELDS: dict[NotificationKind, frozenset[str]] = {
    NotificationKind.ISSUE_ACCEPTED: frozenset(
        {"issue_number", "topic_number", "topic_title", "role"}
    ),
    NotificationKind.ISSUE_REJECTED: frozenset({"issue_number", "reason", "role"}),
    NotificationKind.ISSUE_MERGED: frozenset({"issue_number", "original_number", "role"}),
    NotificationKind.ISSUE_NEEDS_INFO: frozenset({"issue_number", "question", "question_id"}),
    NotificationKind.ISSUE_INFO_RECEIVED: frozenset({"issue_number", "answer", "photos", "voices"}),
    NotificationKind.ISSUE_UPDATED: frozenset({"issue_number", "what", "value", "role"}),
    NotificationKind.TOPIC_MERGED: frozenset({"topic_number", "into_number", "into_title"}),
    NotificationKind.ISSUE_TOPIC_CHANGED: frozenset(
        {"issue_number", "from_number", "topic_number", "topic_title", "role"}
    ),
    NotificationKind.CATCH_UP: frozenset({"items"}),
    # -- the office's side -------------------------------------------------------------------
    # `summary` is the issue's text as typed (empty for a voice message alone).
    NotificationKind.NEW_ISSUE: frozenset(
        {"issue_id", "issue_number", "summary", "village", "voice", "photos"}
    ),
    # `items`: a JSON list of {"number", "summary", "voice", "photos"}, oldest first.
    NotificationKind.ISSUE_DIGEST: frozenset({"township", "hours", "count", "items"}),
    # `granted_role`: staff | member | admin; `change`: granted | revoked.
    NotificationKind.ROLE_CHANGED: frozenset({"township", "granted_role", "change"}),
    NotificationKind.ISSUE_TOPIC_MERGED: frozenset(
        {"issue_number", "from_number", "topic_number", "topic_title", "role"}
    ),
}
# Fields a kind may carry beyond its own: rows written before them lack them.
OPTIONAL_FIELDS: dict[NotificationKind, frozenset[str]] = {
    # A template reason's key, so each recipient reads the template in their own language.
    NotificationKind.ISSUE_REJECTED: frozenset({"reason_key"}),
    # The issue answered, so the staff member who asked opens its card from the push.
    NotificationKind.ISSUE_INFO_RECEIVED: frozenset({"issue_id"}),
    # The role the person is invited in (resident, member, staff, a guest's role), so the
    # invitation speaks to them as such.
    NotificationKind.MEETING_INVITED: frozenset({"invited_as"}),
}
ROLE_CHANGES = frozenset({"granted", "revoked"})
GRANTED_ROLES = frozenset({"staff", "member", "admin"})
# -- meetings: each push about a meeting carries the meeting (bot/services/meetings.py,
# payload_of), so it renders in any language without the database.
MEETING_FIELDS = frozenset(
    {
        "meeting_id",
        "number",
        "title",
        "starts_at",
        "duration",
        "zone",
        "format",
        "place",
        "online_link",
        "agenda",
        "description",
        "located",
    }
)
PAYLOAD_FIELDS |= {
    NotificationKind.MEETING_INVITED: MEETING_FIELDS | {"rsvp"},
    NotificationKind.MEETING_RESCHEDULED: MEETING_FIELDS | {"old_starts_at", "rsvp"},
    NotificationKind.MEETING_CANCELLED: MEETING_FIELDS | {"reason"},
    NotificationKind.MEETING_PROMOTED: MEETING_FIELDS,
    NotificationKind.MEETING_REMINDER: MEETING_FIELDS | {"hours", "rsvp"},
    NotificationKind.MEETING_MESSAGE: frozenset({"meeting_id", "number", "title", "text"}),
    NotificationKind.MEETING_WALK_IN: frozenset({"meeting_id", "number", "person_id", "name"}),
    NotificationKind.MEETING_ADMITTED: frozenset({"meeting_id", "number", "title"}),
    # -- Deliberation meetings: opinions before, the outcome after ---------------------------
    # Moments are ISO strings with the township's time zone beside them; lists are JSON.
    NotificationKind.OPINIONS_OPEN: frozenset(
        {"meeting_topic_id", "topic_number", "topic_title", "starts_at", "timezone"}
    ),
    NotificationKind.OPINION_DIGEST: frozenset(
        {"meeting_id", "meeting_number", "meeting_title", "starts_at", "timezone", "topics"}
    ),
    NotificationKind.OUTCOME_PUBLISHED: frozenset(
        {"meeting_number", "meeting_title", "topics", "consensus", "items", "timezone"}
    ),
    NotificationKind.ACTION_ITEMS_ASSIGNED: frozenset(
        {"meeting_number", "meeting_title", "items", "timezone"}
    ),
    NotificationKind.OUTCOME_OVERDUE: frozenset(
        {"meeting_id", "meeting_number", "meeting_title", "working_days", "fallback_years"}
    ),
    # -- After the work: `round` is which resolution of the topic (1, then 2 after a reopen).
    NotificationKind.RESOLVE_SUGGESTED: frozenset(
        {"topic_id", "topic_number", "topic_title", "items", "round"}
    ),
    NotificationKind.TOPIC_RESOLVED: frozenset({"topic_number", "topic_title", "note"}),
    # `reminder`: 1 for the one reminder 3 days later.
    NotificationKind.RATING_REQUEST: frozenset(
        {"topic_id", "topic_number", "topic_title", "note", "round", "reminder"}
    ),
    NotificationKind.RATING_UNSATISFIED: frozenset(
        {"topic_id", "topic_number", "topic_title", "person_id", "name", "comment", "round"}
    ),
    NotificationKind.RATING_ANSWERED: frozenset(
        {"topic_id", "topic_number", "topic_title", "text", "round"}
    ),
    # The new action item: `due` is an ISO date.
    NotificationKind.TOPIC_REOPENED: frozenset(
        {"topic_number", "topic_title", "description", "owner", "due"}
    ),
    # `resolved_on`: the ISO date of the resolution, in the township's time zone.
    NotificationKind.LOOKBACK_ASK: frozenset(
        {"topic_id", "topic_number", "topic_title", "round", "resolved_on"}
    ),
    NotificationKind.LOOKBACK_CHECK: frozenset({"topic_number", "topic_title", "resolved_on"}),
    NotificationKind.LOOKBACK_PROBLEM: frozenset(
        {"topic_id", "topic_number", "topic_title", "name", "round"}
    ),
    NotificationKind.TOPIC_REVIEWED: frozenset(
        {"topic_number", "topic_title", "still_solved", "back_again"}
    ),
}
# -- Follow-through. `due` is an ISO date; `photos` a JSON list of Telegram file ids; flags
# are 0/1. No push names a raiser or supporter, so anonymity holds whoever reads it.
ITEM_FIELDS = frozenset({"item_id", "item", "topic_number", "topic_title", "owner", "due"})
PAYLOAD_FIELDS |= {
    NotificationKind.PROGRESS_POSTED: ITEM_FIELDS
    | {"percent", "done", "text", "photos", "on_behalf"},
    NotificationKind.ITEM_OVERDUE: ITEM_FIELDS | {"working_days", "nudge", "limit"},
    NotificationKind.ITEM_OVERDUE_STAFF: ITEM_FIELDS | {"working_days", "nudges"},
    # `owners`: a JSON list of {"owner", "items": [{"item", "topic_number", "due", "percent"}]}.
    NotificationKind.OVERDUE_DIGEST: frozenset({"township", "count", "owners"}),
    # -- The liaison office's figures (bot/services/monthly_report.py) --
    NotificationKind.MONTHLY_REPORT: frozenset({"township", "year", "month"}),
}
ROLES = frozenset({"raiser", "supporter"})

UPDATED_FIELDS = frozenset({"category", "village"})

# notifications.dedupe_key is VARCHAR(128).
DEDUPE_KEY_MAX = 128


class InvalidNotification(ValueError):
    """A programming error in the caller: raised before anything is written."""


def _check_payload(kind: NotificationKind, payload: Mapping[str, Any]) -> dict[str, Any]:
    expected = PAYLOAD_FIELDS[kind]
    optional = OPTIONAL_FIELDS.get(kind, frozenset())
    if not expected <= set(payload) <= expected | optional:
        raise InvalidNotification(
            f"{kind} payload needs exactly {sorted(expected)}"
            + (f" (and may have {sorted(optional)})" if optional else "")
            + f", got {sorted(payload)}"
        )
    for name, value in payload.items():
        # Plain JSON only: ints and strings round-trip through every backend unchanged
        # (bool is an int subclass but would render as "True"; keep it out).
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidNotification(f"{kind} payload field {name!r} must be a str or an int")
    if kind is NotificationKind.ISSUE_UPDATED and payload["what"] not in UPDATED_FIELDS:
        raise InvalidNotification(f"issue_updated 'what' must be one of {sorted(UPDATED_FIELDS)}")
    if kind is NotificationKind.ISSUE_NEEDS_INFO and not isinstance(payload["question_id"], int):
        raise InvalidNotification("issue_needs_info 'question_id' must be an int")
    if "role" in expected and payload["role"] not in ROLES:
        raise InvalidNotification(f"{kind} 'role' must be one of {sorted(ROLES)}")
    if kind is NotificationKind.ROLE_CHANGED and not (
        payload["change"] in ROLE_CHANGES and payload["granted_role"] in GRANTED_ROLES
    ):
        raise InvalidNotification("role_changed needs a known 'change' and 'granted_role'")
    return dict(payload)


def fit_dedupe_key(dedupe_key: str) -> str:
    """The key as stored: long keys keep a readable head and end in a digest of the whole.

    The same long key always maps to the same stored key, so deduplication still holds.
    """
    if not dedupe_key:
        raise InvalidNotification("a notification needs a dedupe key")
    if len(dedupe_key) <= DEDUPE_KEY_MAX:
        return dedupe_key
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()
    return f"{dedupe_key[: DEDUPE_KEY_MAX - len(digest) - 1]}#{digest}"


# Which pushes go first when many wait (lower first). A person's direct answer goes before
# any push (bot/pacing.py); a kind not listed here is NORMAL.
URGENT, NORMAL, BULK = 1, 2, 3
PRIORITY: dict[NotificationKind, int] = {
    NotificationKind.MEETING_REMINDER: URGENT,
    NotificationKind.MEETING_RESCHEDULED: URGENT,
    NotificationKind.MEETING_CANCELLED: URGENT,
    NotificationKind.MEETING_PROMOTED: URGENT,
    NotificationKind.MEETING_ADMITTED: URGENT,
    NotificationKind.MEETING_WALK_IN: URGENT,
    NotificationKind.ISSUE_NEEDS_INFO: URGENT,
    NotificationKind.ISSUE_DIGEST: BULK,
    NotificationKind.OPINION_DIGEST: BULK,
    NotificationKind.CATCH_UP: BULK,
    NotificationKind.OUTCOME_OVERDUE: BULK,
    NotificationKind.OVERDUE_DIGEST: BULK,
    NotificationKind.ITEM_OVERDUE_STAFF: BULK,
    NotificationKind.MONTHLY_REPORT: BULK,
}


def priority_of(kind: NotificationKind) -> int:
    return PRIORITY.get(kind, NORMAL)


async def notify(
    uow: UnitOfWork,
    *,
    recipient_id: int,
    kind: str,
    payload: Mapping[str, Any],
    dedupe_key: str,
    now: datetime,
) -> bool:
    """Queue a push in the caller's transaction (not committed here).

    Returns False when a notification with this dedupe key exists already, so a service run
    twice for the same event (a double tap, a retried update) queues one push. Text typed by
    people stays raw in the payload; the renderer escapes it.
    """
    try:
        checked_kind = NotificationKind(kind)
    except ValueError:
        raise InvalidNotification(f"unknown notification kind {kind!r}") from None
    return await uow.notifications.add(
        recipient_id=recipient_id,
        kind=checked_kind.value,
        payload=_check_payload(checked_kind, payload),
        dedupe_key=fit_dedupe_key(dedupe_key),
        now=now,
        priority=priority_of(checked_kind),
    )


async def notify_many(
    uow: UnitOfWork,
    *,
    recipient_ids: Sequence[int],
    kind: NotificationKind,
    payload: Mapping[str, Any],
    dedupe_prefix: str,
    now: datetime,
) -> int:
    """`notify` with the same payload for many people at once (dedupe key
    `{dedupe_prefix}:{person}`); returns how many were queued."""
    checked = _check_payload(kind, payload)
    rows = [
        {
            "recipient_id": person_id,
            "kind": kind.value,
            "payload": checked,
            "dedupe_key": fit_dedupe_key(f"{dedupe_prefix}:{person_id}"),
        }
        for person_id in dict.fromkeys(recipient_ids)
    ]
    return await uow.notifications.add_many(rows, now=now, priority=priority_of(kind))


async def tell_issue_people(
    uow: UnitOfWork,
    issue: Issue,
    *,
    kind: NotificationKind,
    payload: Mapping[str, Any],
    dedupe_key: str,
    now: datetime,
) -> int:
    """Queue a push about `issue` for its raiser and every supporter, one row each.

    Returns how many were queued. A person who both raised and joined gets one push.
    """
    people: dict[int, str] = {}
    if issue.author_id is not None:
        people[issue.author_id] = "raiser"
    for supporter_id in await uow.issues.supporter_ids(issue.id):
        people.setdefault(supporter_id, "supporter")
    queued = 0
    for person_id, role in people.items():
        queued += await notify(
            uow,
            recipient_id=person_id,
            kind=kind,
            payload={**payload, "role": role},
            dedupe_key=f"{dedupe_key}:{person_id}",
            now=now,
        )
    return queued


# Pushes written for someone who had never opened a chat with the bot (a member granted a
# role, then invited to a meeting, before their first /start) are delivered in full on their
# first message, buttons and all, when they are this recent; older ones are summed up.
HELD_DAYS = 14


def _meeting_is_past(payload: Mapping[str, Any], now: datetime) -> bool:
    """A push about a meeting that has begun: its buttons could do nothing now."""
    starts_at = payload.get("starts_at")
    if not isinstance(starts_at, str):
        return False
    try:
        return datetime.fromisoformat(starts_at) <= now
    except ValueError:
        return False


async def deliver_held(uow: UnitOfWork, person_id: int, now: datetime) -> int:
    """The person wrote to the bot for the first time: what waited for them goes out now.

    Their role changes are left out: the greeting they are about to read names their roles.
    """
    missed = await uow.notifications.skipped_for(person_id)
    told_by_greeting = [row.id for row in missed if row.kind == NotificationKind.ROLE_CHANGED]
    await uow.notifications.mark_summed_up(told_by_greeting, now=now)
    since = now - timedelta(days=HELD_DAYS)
    recent = [
        row.id
        for row in missed
        if row.kind != NotificationKind.ROLE_CHANGED
        and row.created_at >= since
        and not _meeting_is_past(row.payload, now)
    ]
    await uow.notifications.requeue(recent, now=now)
    if len(recent) + len(told_by_greeting) < len(missed):
        await catch_up(uow, person_id, now)  # only the older ones are left skipped
    return len(recent)


# A catch-up lists at most this many changes (the newest); /my has the rest.
CATCH_UP_ITEMS = 10


async def catch_up(uow: UnitOfWork, person_id: int, now: datetime) -> bool:
    """The person wrote again after blocking the bot: one push summing up what they missed.

    The pushes skipped while they were away are marked as summed up, so they are told once.
    """
    missed = await uow.notifications.skipped_for(person_id)
    if not missed:
        return False
    shown = missed[-CATCH_UP_ITEMS:]
    items = json.dumps(
        [{"kind": row.kind, "payload": row.payload} for row in shown], ensure_ascii=False
    )
    await notify(
        uow,
        recipient_id=person_id,
        kind=NotificationKind.CATCH_UP,
        payload={"items": items},
        dedupe_key=f"catch-up:{person_id}:{missed[-1].id}",
        now=now,
    )
    await uow.notifications.mark_summed_up([row.id for row in missed], now=now)
    return True
