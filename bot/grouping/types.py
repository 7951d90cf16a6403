"""Plain data passed in and out of the grouping package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class IssueDoc:
    """An open issue (诉求) or topic (议题) as the grouping code sees it.

    ``village`` is the bot's structured village key (None when the resident did not pick
    one); it is compared for equality only.
    """

    key: str
    title: str
    body: str = ""
    village: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """A neighbour of a new issue, with what it has in common with it.

    ``score`` is in 0..1; compare it with :data:`JOIN_SUGGESTION_THRESHOLD` before
    offering 附议. ``shared_place`` is the place both name (or the shared village key when
    only the village field links them); ``shared_terms`` are the matter words both use,
    most distinctive first.
    """

    key: str
    score: float
    shared_place: str | None
    shared_terms: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed consultation topic made of several unassigned issues.

    ``key`` depends only on the members (a hash of the smallest member key), so running
    the grouping again over the same issues gives the same keys. ``representatives`` are
    the keys of up to three most central members. ``title`` is a suggestion (shared place
    + the most central member's matter phrase) for staff to edit. ``shared_place`` is the
    place named by at least two and half of the members, else their common village key.
    ``key_terms`` are matter words used by several members, most distinctive first.
    ``cohesion`` is the mean pairwise score (0..1): low values deserve a second look.
    ``first_at``/``last_at`` span the members' ``created_at`` (None when unknown).
    ``member_terms`` gives, per member key, its matter words that other members also use:
    what ties a member in beyond the shared place (empty when nothing but the place does).
    """

    key: str
    members: tuple[str, ...]
    size: int
    villages: tuple[str, ...]
    first_at: datetime | None
    last_at: datetime | None
    representatives: tuple[str, ...]
    title: str
    shared_place: str | None
    key_terms: tuple[str, ...]
    cohesion: float
    member_terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
