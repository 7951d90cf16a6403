"""Plain read models handed from services to handlers (no ORM objects, no Telegram types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName


@dataclass(frozen=True)
class PersonView:
    id: int
    telegram_id: int
    first_name: str
    locale: str
    chosen_locale: str | None
    village_id: int | None
    township_id: int | None
    roles: frozenset[tuple[int, RoleName]] = field(default_factory=frozenset)
    # The township staff (or members) of several townships chose to work in.
    working_township_id: int | None = None
    # The command menu last set for their chat (handlers/commands.py); None: the default.
    menu: str | None = None

    def has_role(self, township_id: int, role: RoleName) -> bool:
        return (township_id, role) in self.roles


@dataclass(frozen=True)
class TownshipView:
    id: int
    name: str
    timezone: str


@dataclass(frozen=True)
class VillageView:
    id: int
    township_id: int
    name: str


@dataclass(frozen=True)
class CategoryView:
    id: int
    key: str
    label: str


@dataclass(frozen=True)
class IssueSummary:
    id: int
    number: str
    status: IssueStatus
    created_at: datetime
    category: CategoryView | None
    preview: str
    # The viewer joined it (附议) rather than raised it.
    joined: bool = False


@dataclass(frozen=True)
class IssueEventView:
    at: datetime
    status: IssueStatus
    note: str | None


@dataclass(frozen=True)
class IssueDetail:
    summary: IssueSummary
    text: str
    township: TownshipView
    village: VillageView | None
    anonymous: bool
    photo_count: int
    has_voice: bool
    location: tuple[float, float] | None
    supporters: int
    events: tuple[IssueEventView, ...]
