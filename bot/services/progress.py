"""Progress on action items (议定事项) after the outcome is published: what a member or staff
member follows (/mine), an item's card with its history, and posting an update, which every
follower of the topic hears of once, in their own language.

Who may post: the item's owner, or staff of its township (for a department without a
Telegram account, or any item: the update then says staff posted it on the owner's behalf).
Marking an item done ends its updates and calls bot/services/item_events.on_item_done.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.errors import DescriptionTooLong, NotFound
from bot.domain.progress_errors import ItemDone, NothingToPost, NotItemOwner, PercentOutOfRange
from bot.services import item_events, meeting_people
from bot.services.outbox import NotificationKind, notify_many
from bot.services.outcomes import local_today
from storage.models import ActionItem, Meeting, ProgressUpdate
from storage.uow import UnitOfWork

MAX_TEXT_CHARS = 1000
MAX_PHOTOS = 10  # one album
HISTORY_SHOWN = 10
PUSHED_ITEM_CHARS = 200


@dataclass(frozen=True)
class UpdateView:
    at: datetime
    text: str
    percent: int | None
    photos: tuple[str, ...]
    author: str
    on_behalf: bool


@dataclass(frozen=True)
class ItemSummary:
    id: int
    description: str
    topic_number: str
    topic_title: str
    meeting_number: str
    owner: str
    owner_person_id: int | None
    due_on: date
    done: bool
    progress: int
    done_at: datetime | None
    overdue: bool
    mine: bool
    last_update: UpdateView | None


@dataclass(frozen=True)
class ItemCard:
    item: ItemSummary
    history: tuple[UpdateView, ...]
    updates: int  # all of them; `history` shows the latest
    may_post: bool


@dataclass(frozen=True)
class Posted:
    item: ItemSummary
    told: int
    on_behalf: bool


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _names(uow: UnitOfWork, person_ids: set[int | None]) -> dict[int, str]:
    people = await uow.outcomes.people({p for p in person_ids if p is not None})
    return {person_id: person.first_name for person_id, person in people.items()}


def _owner(item: ActionItem, names: dict[int, str]) -> str:
    if item.owner_person_id is not None:
        return names.get(item.owner_person_id, "")
    return item.owner_name or ""


def _update_view(update: ProgressUpdate, names: dict[int, str]) -> UpdateView:
    return UpdateView(
        at=update.created_at,
        text=update.text,
        percent=update.percent,
        photos=tuple(update.photos or ()),
        author=names.get(update.author_id, "") if update.author_id is not None else "",
        on_behalf=update.on_behalf,
    )


async def summaries(
    uow: UnitOfWork,
    rows: Sequence[tuple[ActionItem, Meeting]],
    viewer_id: int | None,
    today: date,
) -> list[ItemSummary]:
    """The items as people see them (owner's name, topic, last update), in `rows`' order."""
    items = [item for item, _ in rows]
    topics = await uow.topics.many([i.topic_id for i in items if i.topic_id is not None])
    last = await uow.progress.last_updates([i.id for i in items])
    names = await _names(
        uow, {i.owner_person_id for i in items} | {u.author_id for u in last.values()}
    )
    found = []
    for item, meeting in rows:
        topic = topics.get(item.topic_id) if item.topic_id is not None else None
        update = last.get(item.id)
        found.append(
            ItemSummary(
                id=item.id,
                description=item.description,
                topic_number=topic.number if topic else "",
                topic_title=topic.title if topic else "",
                meeting_number=meeting.number,
                owner=_owner(item, names),
                owner_person_id=item.owner_person_id,
                due_on=item.due_on,
                done=item.status == "done",
                progress=item.progress,
                done_at=item.done_at,
                overdue=item.status != "done" and item.due_on < today,
                mine=viewer_id is not None and item.owner_person_id == viewer_id,
                last_update=_update_view(update, names) if update is not None else None,
            )
        )
    return found


def _order(item: ItemSummary) -> tuple[int, int, int]:
    """Overdue first (longest overdue first), then open by due date, then done, newest first."""
    if item.done:
        done = item.done_at.timestamp() if item.done_at else 0
        return (2, -int(done), item.id)
    return (0 if item.overdue else 1, item.due_on.toordinal(), item.id)


async def mine(
    uow: UnitOfWork, township_id: int, person_id: int, now: datetime
) -> list[ItemSummary]:
    """The township's action items the person owns or whose topic they follow, overdue first.
    Staff see every item of the township: they follow up all of them, and post for
    departments without an account."""
    staff = await meeting_people.is_staff(uow, person_id, township_id)
    rows = await uow.progress.items_for(township_id, None if staff else person_id)
    today = await local_today(uow, township_id, now)
    return sorted(await summaries(uow, rows, person_id, today), key=_order)


async def _load(uow: UnitOfWork, township_id: int, item_id: int) -> tuple[ActionItem, Meeting]:
    found = await uow.progress.item(item_id)
    if found is None or found[1].township_id != township_id:
        raise NotFound("action item", item_id)  # another township's item is not found
    return found


async def _summary(
    uow: UnitOfWork,
    township_id: int,
    row: tuple[ActionItem, Meeting],
    viewer_id: int,
    now: datetime,
) -> ItemSummary:
    today = await local_today(uow, township_id, now)
    return (await summaries(uow, [row], viewer_id, today))[0]


async def _may_post(uow: UnitOfWork, item: ActionItem, township_id: int, person_id: int) -> bool:
    if item.owner_person_id == person_id:
        return True
    return await meeting_people.is_staff(uow, person_id, township_id)


async def item_card(
    uow: UnitOfWork, township_id: int, item_id: int, viewer_id: int, now: datetime
) -> ItemCard:
    """An item with its latest updates, and whether the viewer may post on it."""
    row = await _load(uow, township_id, item_id)
    item = row[0]
    updates = await uow.progress.updates(item.id, HISTORY_SHOWN)
    names = await _names(uow, {u.author_id for u in updates})
    return ItemCard(
        item=await _summary(uow, township_id, row, viewer_id, now),
        history=tuple(_update_view(u, names) for u in updates),
        updates=await uow.progress.update_count(item.id),
        may_post=item.status != "done" and await _may_post(uow, item, township_id, viewer_id),
    )


async def check_poster(
    uow: UnitOfWork, township_id: int, item_id: int, actor_id: int, now: datetime
) -> ItemSummary:
    """The item, if `actor_id` may post on it now (its owner or staff, and not done)."""
    row = await _load(uow, township_id, item_id)
    item = row[0]
    if item.status == "done":
        raise ItemDone(item.description)
    if not await _may_post(uow, item, township_id, actor_id):
        raise NotItemOwner(item.description)
    return await _summary(uow, township_id, row, actor_id, now)


def parse_percent(text: str) -> int:
    """A typed percentage: "60", "60%", "６０％"; a whole number from 0 to 100."""
    cleaned = text.strip().rstrip("%％").strip()
    try:
        value = int(cleaned)
    except ValueError:
        raise PercentOutOfRange(text) from None
    return check_percent(value, text)


def check_percent(value: int, text: str | None = None) -> int:
    if not 0 <= value <= 100:
        raise PercentOutOfRange(text if text is not None else str(value))
    return value


async def followers(uow: UnitOfWork, item: ActionItem, meeting: Meeting) -> list[int]:
    """Who hears of the item's progress, once each: the followers of its topic (the whole
    meeting's topics when it has none), everyone who raised or joined (附议) an issue of
    them, and everyone who attended the meeting."""
    topic_ids = (
        [item.topic_id]
        if item.topic_id is not None
        else await uow.progress.topics_of_meeting(meeting.id)
    )
    people: list[int] = []
    for topic_id in topic_ids:
        people += [follower.person_id for follower in await uow.topics.followers(topic_id)]
    people += sorted(await uow.outcomes.raisers_and_supporters(topic_ids))
    people += [invitation.person_id for invitation, _ in await uow.outcomes.attendees(meeting.id)]
    if item.owner_person_id is not None:
        people.append(item.owner_person_id)
    return list(dict.fromkeys(people))


async def post_update(
    uow: UnitOfWork,
    *,
    township_id: int,
    item_id: int,
    actor_id: int,
    text: str,
    photos: Sequence[str],
    percent: int | None,
    done: bool,
    now: datetime,
) -> Posted:
    """Record an update (text, photos of one album, a new percentage, or done) and tell every
    follower of the topic but the author, once each. An update that says nothing is refused."""
    row = await _load(uow, township_id, item_id)
    item, meeting = row
    if item.status == "done":
        raise ItemDone(item.description)
    if not await _may_post(uow, item, township_id, actor_id):
        raise NotItemOwner(item.description)
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise DescriptionTooLong(len(text), MAX_TEXT_CHARS)
    if percent is not None:
        check_percent(percent)
    if done:
        percent = 100
    changed = percent is not None and percent != item.progress
    if not (text or photos or changed or done):
        raise NothingToPost()
    on_behalf = actor_id != item.owner_person_id
    update = await uow.progress.add_update(
        ProgressUpdate(
            action_item_id=item.id,
            author_id=actor_id,
            text=text,
            photos=list(photos)[:MAX_PHOTOS],
            percent=percent,
            on_behalf=on_behalf,
            created_at=now,
        )
    )
    if percent is not None:
        item.progress = percent
    if done:
        item.status = "done"
        item.done_at = now
    item.updated_at = now
    await uow.flush()
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="item.done" if done else "item.progress",
        object_type="action_item",
        object_id=item.id,
        details={"update": update.id, "percent": item.progress, "on_behalf": on_behalf},
    )
    if done:
        await item_events.on_item_done(uow, item, now)
    summary = await _summary(uow, township_id, row, actor_id, now)
    told = await _tell_followers(uow, item, meeting, summary, update, now)
    return Posted(summary, told, on_behalf)


def item_payload(summary: ItemSummary) -> dict[str, int | str]:
    """The fields every push about an action item carries (ITEM_FIELDS)."""
    return {
        "item_id": summary.id,
        "item": _cut(summary.description, PUSHED_ITEM_CHARS),
        "topic_number": summary.topic_number,
        "topic_title": summary.topic_title,
        "owner": summary.owner,
        "due": summary.due_on.isoformat(),
    }


async def _tell_followers(
    uow: UnitOfWork,
    item: ActionItem,
    meeting: Meeting,
    summary: ItemSummary,
    update: ProgressUpdate,
    now: datetime,
) -> int:
    payload = {
        **item_payload(summary),
        "percent": item.progress,
        "done": int(item.status == "done"),
        "text": update.text,
        "photos": json.dumps(list(update.photos or ())),
        "on_behalf": int(update.on_behalf),
    }
    recipients = [p for p in await followers(uow, item, meeting) if p != update.author_id]
    # One multi-row insert: an update may go to thousands of followers.
    return await notify_many(
        uow,
        recipient_ids=recipients,
        kind=NotificationKind.PROGRESS_POSTED,
        payload=payload,
        dedupe_prefix=f"progress:{update.id}",
        now=now,
    )
