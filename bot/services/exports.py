"""The office's exports: every sheet of a period as plain rows (issues, topics, meetings,
attendance, action items, progress updates, ratings, members' participation).

Cells are plain values (text, numbers, local dates and times, codes that the writer in
bot/services/export_files.py turns into words of the reader's language). Anonymous raisers
are blanked by the queries (storage/exports.py), never here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import N_
from bot.services.stats import Period, township_of
from storage.uow import UnitOfWork

Progress = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key and the CSV file's stable name
    header: str  # msgid, read in the reader's language
    # How the writer shows the value: text, number, when (a local time), day, yes/no, or a
    # code with words: issue_status, topic_status, category, rating, rsvp, invited_as, item.
    kind: str = "text"


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str  # msgid
    columns: tuple[Column, ...]
    rows: list[list[Any]]


def _c(key: str, header: str, kind: str = "text") -> Column:
    return Column(key, header, kind)


ISSUE_COLUMNS = (
    _c("number", N_("Number")),
    _c("raised_at", N_("Raised at"), "when"),
    _c("village", N_("Village or community")),
    _c("category", N_("Category"), "category"),
    _c("status", N_("Status"), "issue_status"),
    _c("topic", N_("Topic")),
    _c("raiser", N_("Raised by")),
    _c("anonymous", N_("Anonymous"), "yes_no"),
    _c("text", N_("Text")),
    _c("first_answer_at", N_("First answered at"), "when"),
)
TOPIC_COLUMNS = (
    _c("number", N_("Number")),
    _c("title", N_("Title")),
    _c("status", N_("Status"), "topic_status"),
    _c("category", N_("Category"), "category"),
    _c("opened_at", N_("Opened at"), "when"),
    _c("resolved_at", N_("Resolved at"), "when"),
    _c("issues", N_("Issues"), "number"),
    _c("people", N_("People who raised or joined"), "number"),
)
MEETING_COLUMNS = (
    _c("number", N_("Number")),
    _c("title", N_("Title")),
    _c("starts_at", N_("Starts at"), "when"),
    _c("format", N_("Format"), "meeting_format"),
    _c("place", N_("Place")),
    _c("cancelled", N_("Cancelled"), "yes_no"),
    _c("invited", N_("Invited"), "number"),
    _c("attended", N_("Attended"), "number"),
)
ATTENDANCE_COLUMNS = (
    _c("meeting", N_("Meeting")),
    _c("name", N_("Name")),
    _c("invited_as", N_("Invited as"), "invited_as"),
    _c("answer", N_("Answer"), "rsvp"),
    _c("checked_in_at", N_("Checked in at"), "when"),
)
ITEM_COLUMNS = (
    _c("topic", N_("Topic")),
    _c("description", N_("Action item")),
    _c("owner", N_("In charge")),
    _c("due_on", N_("Due"), "day"),
    _c("status", N_("Status"), "item_status"),
    _c("progress", N_("Progress (%)"), "number"),
    _c("done_at", N_("Done at"), "when"),
)
UPDATE_COLUMNS = (
    _c("posted_at", N_("Posted at"), "when"),
    _c("topic", N_("Topic")),
    _c("item", N_("Action item")),
    _c("author", N_("Posted by")),
    _c("percent", N_("Progress (%)"), "number"),
    _c("on_behalf", N_("Posted by staff on behalf"), "yes_no"),
    _c("text", N_("Text")),
)
RATING_COLUMNS = (
    _c("rated_at", N_("Rated at"), "when"),
    _c("topic", N_("Topic")),
    _c("round", N_("Round"), "number"),
    _c("rating", N_("Rating"), "rating"),
    _c("comment", N_("Comment")),
)
PARTICIPATION_COLUMNS = (
    _c("member", N_("Member")),
    _c("meetings_invited", N_("Meetings invited to"), "number"),
    _c("meetings_attended", N_("Meetings attended"), "number"),
    _c("opinions", N_("Opinions given"), "number"),
    _c("progress_updates", N_("Progress updates posted"), "number"),
    _c("items_closed_on_time", N_("Items closed on time"), "number"),
    _c("items_closed_late", N_("Items closed late"), "number"),
)
SHEET_TITLES = {
    "issues": N_("Issues"),
    "topics": N_("Topics"),
    "meetings": N_("Meetings"),
    "attendance": N_("Attendance"),
    "action_items": N_("Action items"),
    "progress_updates": N_("Progress updates"),
    "ratings": N_("Ratings"),
    "participation": N_("Members' participation"),
}


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


@dataclass(frozen=True)
class Export:
    township: str
    period: Period
    zone: ZoneInfo
    sheets: list[Sheet]


async def collect(
    uow: UnitOfWork, township_id: int, period: Period, progress: Progress | None = None
) -> Export:
    """Every sheet of the period; `progress` hears the share done (0–100) after each sheet."""
    township = await township_of(uow, township_id)
    zone = township.zone
    start, end = period.bounds(zone)
    q = uow.exports
    sheets: list[Sheet] = []

    async def add(key: str, columns: tuple[Column, ...], rows: list[list[Any]]) -> None:
        sheets.append(Sheet(key, SHEET_TITLES[key], columns, rows))
        if progress is not None:
            await progress(len(sheets) * 100 // len(SHEET_TITLES))

    issues = [
        [
            row[0],  # number
            _local(row[1], zone),  # raised at
            row[2],  # village
            (row[3], row[4]),  # category key and label
            str(row[5]),  # status
            row[6],  # topic number
            row[7],  # raiser, None when anonymous
            bool(row[8]),
            row[9] or row[10],  # title, else the text
            _local(row[11], zone),  # first answered at
        ]
        for row in await q.issues(township_id, start, end)
    ]
    await add("issues", ISSUE_COLUMNS, issues)
    topic_rows = await q.topics(township_id, start, end)
    heads = await q.head_counts(township_id, start, end)
    topics = [
        [n, t, str(s), (k, lb), _local(o, zone), _local(r, zone), int(i), heads.get(tid, 0)]
        for n, t, s, k, lb, o, r, i, tid in topic_rows
    ]
    await add("topics", TOPIC_COLUMNS, topics)
    meetings = [
        [n, t, _local(s, zone), f, p, st == "cancelled", int(i), int(a)]
        for n, t, s, f, p, st, i, a in await q.meetings(township_id, start, end)
    ]
    await add("meetings", MEETING_COLUMNS, meetings)
    attendance = [
        [m, name, role, rsvp, _local(came, zone)]
        for m, name, role, rsvp, came in await q.attendance(township_id, start, end)
    ]
    await add("attendance", ATTENDANCE_COLUMNS, attendance)
    items = [
        [t, d, o, due, st, int(p), _local(done, zone)]
        for t, d, o, due, st, p, done in await q.action_items(township_id, start, end)
    ]
    await add("action_items", ITEM_COLUMNS, items)
    updates = [
        [_local(at, zone), t, item, author, percent, bool(behalf), text]
        for at, t, item, author, percent, behalf, text in await q.progress_updates(
            township_id, start, end
        )
    ]
    await add("progress_updates", UPDATE_COLUMNS, updates)
    ratings = [
        [_local(at, zone), t, int(r), v, c]
        for at, t, r, v, c in await q.ratings(township_id, start, end)
    ]
    await add("ratings", RATING_COLUMNS, ratings)
    await add("participation", PARTICIPATION_COLUMNS, await participation(uow, township_id, period))
    return Export(township.name, period, zone, sheets)


def on_time(due: date, done_at: datetime, zone: ZoneInfo) -> bool:
    """Done by the end of the due day, local time."""
    return done_at < datetime.combine(due + timedelta(days=1), time(), tzinfo=zone)


async def participation(uow: UnitOfWork, township_id: int, period: Period) -> list[list[Any]]:
    """Per member (委员履职): meetings invited to and attended, opinions given, progress
    updates posted, action items closed on time and late — all within the period."""
    township = await township_of(uow, township_id)
    start, end = period.bounds(township.zone)
    q = uow.exports
    invited = await q.invitations_by_person(township_id, start, end)
    opinions = await q.opinions_by_person(township_id, start, end)
    updates = await q.updates_by_person(township_id, start, end)
    closed: dict[int, list[int]] = {}
    for owner, due, done_at in await q.items_closed(township_id, start, end):
        counts = closed.setdefault(int(owner), [0, 0])
        counts[0 if on_time(due, done_at, township.zone) else 1] += 1
    rows = []
    for person_id, name in await q.members(township_id):
        meetings = invited.get(person_id, (0, 0))
        in_time, late = closed.get(person_id, [0, 0])
        rows.append(
            [
                name,
                meetings[0],
                meetings[1],
                opinions.get(person_id, 0),
                updates.get(person_id, 0),
                in_time,
                late,
            ]
        )
    return rows
