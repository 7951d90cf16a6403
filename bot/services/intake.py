"""Intake: a resident's draft becomes a numbered issue, in one transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import DescriptionTooLong, DraftIncomplete, NotFound, QuotaExceeded
from bot.domain.issue_status import IssueStatus
from bot.services import alerts
from storage.changes import NewIssue
from storage.models import Issue, IssueEvent
from storage.uow import UnitOfWork

QUOTA_WINDOW = timedelta(hours=24)
NUMBER_PREFIX = "YS"


@dataclass
class MediaRef:
    file_id: str
    file_unique_id: str
    duration: int | None = None


@dataclass
class IssueDraft:
    """What a resident has said so far; plain values so it can be stored between steps."""

    # A random reference per draft: submitting the same draft twice yields one issue.
    ref: str = ""
    township_id: int | None = None
    # Where it happened; the resident's home village unless they say otherwise.
    village_id: int | None = None
    # Where the resident lives (kept with the issue, apart from where it happened).
    home_village_id: int | None = None
    category_id: int | None = None
    text: str = ""
    voice: MediaRef | None = None
    photos: list[MediaRef] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    anonymous: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IssueDraft:
        values = {key: value for key, value in data.items() if key in _DRAFT_FIELDS}
        voice = values.pop("voice", None)
        photos = values.pop("photos", [])
        return cls(
            **values,
            voice=MediaRef(**voice) if voice else None,
            photos=[MediaRef(**photo) for photo in photos],
        )

    @property
    def has_description(self) -> bool:
        return bool(self.text.strip()) or self.voice is not None

    def add_photo(self, photo: MediaRef, limit: int) -> bool:
        """Add a photo unless it is already there or the limit is reached."""
        if len(self.photos) >= limit:
            return False
        if any(p.file_unique_id == photo.file_unique_id for p in self.photos):
            return True
        self.photos.append(photo)
        return True


_DRAFT_FIELDS = frozenset(IssueDraft.__dataclass_fields__)


@dataclass(frozen=True)
class SubmittedIssue:
    id: int
    number: str
    created_at: datetime


def check_description(text: str, limit: int) -> str:
    cleaned = text.strip()
    if len(cleaned) > limit:
        raise DescriptionTooLong(len(cleaned), limit)
    return cleaned


async def quota_retry_at(
    uow: UnitOfWork, author_id: int, now: datetime, limit: int
) -> datetime | None:
    """When the person may raise an issue again, or None if they may now."""
    since = now - QUOTA_WINDOW
    if await uow.issues.count_by_author_since(author_id, since) < limit:
        return None
    oldest = await uow.issues.oldest_by_author_since(author_id, since)
    return (oldest or now) + QUOTA_WINDOW


def format_number(year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{sequence:06d}"


async def submit(
    uow: UnitOfWork, author_id: int, draft: IssueDraft, *, now: datetime, daily_limit: int
) -> SubmittedIssue:
    """Commit the draft as an issue; nothing is written unless all of it is."""
    if draft.township_id is None or draft.village_id is None:
        raise DraftIncomplete("village")
    if draft.category_id is None:
        raise DraftIncomplete("category")
    if not draft.has_description:
        raise DraftIncomplete("description")
    village = await uow.directory.village(draft.village_id)
    if village is None or village.township_id != draft.township_id:
        raise NotFound("village", draft.village_id)
    category = await uow.directory.category(draft.category_id)
    if category is None or category.township_id != draft.township_id:
        raise NotFound("category", draft.category_id)
    home = await uow.directory.village(draft.home_village_id) if draft.home_village_id else None
    if draft.ref:
        earlier = await uow.issues.by_source_ref(draft.township_id, "telegram", draft.ref)
        if earlier is not None:
            # The first press committed but its answer never arrived; answer it again.
            return SubmittedIssue(
                id=earlier.id, number=earlier.number, created_at=earlier.created_at
            )
    retry_at = await quota_retry_at(uow, author_id, now, daily_limit)
    if retry_at is not None:
        raise QuotaExceeded(daily_limit, retry_at)
    township = await uow.directory.township(draft.township_id)
    assert township is not None  # the village's foreign key guarantees it
    year = now.astimezone(ZoneInfo(township.timezone)).year
    sequence = await uow.issues.next_sequence(f"issue-number:{year}")
    issue = Issue(
        number=format_number(year, sequence),
        township_id=draft.township_id,
        village_id=draft.village_id,
        reporter_village_id=home.id if home is not None else None,
        author_id=author_id,
        category_id=draft.category_id,
        text=draft.text.strip(),
        anonymous=bool(draft.anonymous),
        status=IssueStatus.SUBMITTED,
        source="telegram",
        source_ref=draft.ref or None,
        latitude=draft.latitude,
        longitude=draft.longitude,
        created_at=now,
        updated_at=now,
        attachments=[],
        events=[],
    )
    if draft.voice is not None:
        uow.issues.attach(issue, "voice", draft.voice.file_id, draft.voice.file_unique_id, 0)
    for position, photo in enumerate(draft.photos, start=1):
        uow.issues.attach(issue, "photo", photo.file_id, photo.file_unique_id, position)
    issue.events.append(IssueEvent(at=now, actor_id=author_id, to_status=IssueStatus.SUBMITTED))
    await uow.issues.add(issue)
    # Staff hear of it in the same commit (each issue, or later in a digest: /alerts).
    await alerts.issue_submitted(uow, issue, now)
    uow.changes.new_issues.append(
        NewIssue(draft.township_id, issue.id, issue.text, village.name, issue.created_at)
    )
    return SubmittedIssue(id=issue.id, number=issue.number, created_at=now)
