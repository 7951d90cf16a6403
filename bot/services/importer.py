"""Importing hotline (12345) and message-board exports as issues.

Beijing's 接诉即办 rules ask townships to take the matters residents raise most through
the hotline into 民主协商; the export arrives as a spreadsheet. Each row becomes an issue
with source "import", the export's own id as source reference (so importing the same
file again adds nothing) and no Telegram author. Reading the file (`read_table`) is kept
apart from importing it (`import_issues`) so that other sources can feed the same rows.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import NotFound
from bot.domain.issue_status import IssueStatus
from bot.grouping.wordlists import village_suffixes
from bot.services.import_table import (
    SourceRow,
    SourceTable,
    normalise_header,
)
from bot.services.intake import format_number
from storage.models import Category, Village
from storage.uow import UnitOfWork

SOURCE = "import"
# Rows per transaction: large enough that a 5,000-row export takes a handful of commits,
# small enough that a failure half-way loses little and re-running resumes the rest.
CHUNK_SIZE = 500
# Column sizes of the issues table.
MAX_REF_CHARS = 64
MAX_TITLE_CHARS = 200
MAX_PLACE_CHARS = 200
# A row dated this far after the import is a typo or a wrong column, not a real message.
FUTURE_TOLERANCE = timedelta(days=1)


# Tried in order after ISO 8601; `%m`/`%d` also accept "2" for "02".
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d",
)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_VILLAGE_SUFFIXES = village_suffixes()


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    township_id: int
    imported: int = 0
    already_present: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    first_number: str | None = None
    last_number: str | None = None
    villages_matched: int = 0
    categories_matched: int = 0
    # Category labels of imported rows that name no category of the township.
    unmatched_categories: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class _Row:
    line: int
    ref: str
    title: str
    body: str
    created_at: datetime
    place: str | None
    village_id: int | None
    category_id: int | None
    category_label: str
    likes: int


class RowProblem(ValueError):
    """Why one row cannot be imported (reported with its line, and skipped)."""


# Interpreting cells ----------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # spreadsheets turn numeric ids into 188006.0
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_time(value: object, timezone: ZoneInfo) -> datetime:
    """A cell as an aware UTC datetime; times without an offset are in `timezone`."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial day number (a time cell without a date format).
        if not 1 <= value < 2958466:
            raise RowProblem(f"time {value!r} is not a date")
        moment = _EXCEL_EPOCH + timedelta(days=float(value))
        moment = moment.replace(microsecond=0)
    else:
        moment = _parse_time_text(_text(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    return moment.astimezone(UTC)


def _parse_time_text(raw: str) -> datetime:
    if not raw:
        raise RowProblem("no time")
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if "日" in text and not text.endswith("日") and "日 " not in text:
        text = text.replace("日", "日 ", 1)  # 2019年2月28日11:25
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise RowProblem(f"time {raw[:40]!r} is not a date and time")


def _likes(value: object) -> int:
    text = _text(value).replace(",", "")
    if not text:
        return 0
    try:
        likes = int(text)
    except ValueError:
        raise RowProblem(f"likes {text[:20]!r} is not a whole number") from None
    if likes < 0:
        raise RowProblem(f"likes {likes} is negative")
    return likes


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _village_core(name: str) -> str:
    core = "".join(unicodedata.normalize("NFKC", name).split())
    for suffix in _VILLAGE_SUFFIXES:
        if core.endswith(suffix) and len(core) - len(suffix) >= 2:
            return core[: -len(suffix)]
    return core


class _Matcher:
    """Village and category names of one township, as exports spell them."""

    def __init__(self, villages: Sequence[Village], categories: Sequence[Category]) -> None:
        self._village_exact = {"".join(v.name.split()): v.id for v in villages}
        # 南湖 matches 南湖社区 unless two villages share the core (东风村 and 东风社区).
        cores: dict[str, int | None] = {}
        for village in villages:
            core = _village_core(village.name)
            cores[core] = None if core in cores else village.id
        self._village_core = cores
        self._categories: dict[str, int] = {}
        for category in categories:
            for name in (category.label, category.key):
                self._categories.setdefault(normalise_header(name), category.id)

    def village(self, name: str) -> int | None:
        if not name:
            return None
        exact = self._village_exact.get("".join(name.split()))
        if exact is not None:
            return exact
        return self._village_core.get(_village_core(name))

    def category(self, label: str) -> int | None:
        return self._categories.get(normalise_header(label)) if label else None


def _parse_row(row: SourceRow, matcher: _Matcher, timezone: ZoneInfo, now: datetime) -> _Row:
    values = row.values
    ref = _text(values.get("id"))
    if not ref:
        raise RowProblem("no id")
    if len(ref) > MAX_REF_CHARS:
        raise RowProblem(f"id is longer than {MAX_REF_CHARS} characters")
    title = " ".join(_text(values.get("title")).split())
    body = _text(values.get("body"))
    if not title and not body:
        raise RowProblem("title and body are both empty")
    created_at = parse_time(values.get("time"), timezone)
    if created_at > now + FUTURE_TOLERANCE:
        raise RowProblem(f"time {_text(values.get('time'))!r} lies in the future")
    village_name = _text(values.get("village"))
    place = _text(values.get("place"))
    village_id = matcher.village(village_name)
    if village_id is None and village_name:
        # Not one of the township's villages: still worth keeping as where it happened.
        place = f"{village_name} {place}".strip() if village_name not in place else place
    elif village_id is None and place:
        village_id = matcher.village(place)
        if village_id is not None:
            place = ""  # the place was just the village's name
    category_label = _text(values.get("category"))
    return _Row(
        line=row.line,
        ref=ref,
        title=_clip(title, MAX_TITLE_CHARS),
        body=body,
        created_at=created_at,
        place=_clip(place, MAX_PLACE_CHARS) or None,
        village_id=village_id,
        category_id=matcher.category(category_label),
        category_label=category_label,
        likes=_likes(values.get("likes")),
    )


# Importing -------------------------------------------------------------------------------


def _issue_values(row: _Row, number: str, township_id: int, now: datetime) -> dict[str, Any]:
    return {
        "number": number,
        "township_id": township_id,
        "village_id": row.village_id,
        "author_id": None,
        "category_id": row.category_id,
        # Matched from the export's label; staff have not confirmed it.
        "category_confirmed": False,
        "title": row.title or None,
        # Views show `text`; a row with only a title still has something to show.
        "text": row.body or row.title,
        "anonymous": False,
        "status": IssueStatus.SUBMITTED,
        "source": SOURCE,
        "source_ref": row.ref,
        "place": row.place,
        "likes": row.likes,
        "created_at": row.created_at,
        "updated_at": now,
    }


async def import_issues(
    uow: UnitOfWork,
    township_id: int,
    table: SourceTable,
    *,
    now: datetime,
    file_name: str | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportReport:
    """Add the table's rows as issues of the township; rows already imported are left alone.

    Commits once per chunk of rows, so a crash keeps what was committed and running the
    import again adds only the rest. Malformed rows are reported and skipped.
    """
    township = await uow.directory.township(township_id)
    if township is None:
        raise NotFound("township", township_id)
    timezone = ZoneInfo(township.timezone)
    matcher = _Matcher(
        await uow.directory.villages(township_id), await uow.directory.categories(township_id)
    )
    report = ImportReport(township_id=township_id)
    rows: list[_Row] = []
    first_line_of: dict[str, int] = {}
    for source_row in table.rows:
        try:
            row = _parse_row(source_row, matcher, timezone, now)
        except RowProblem as problem:
            report.skipped.append(SkippedRow(source_row.line, str(problem)))
            continue
        earlier = first_line_of.setdefault(row.ref, row.line)
        if earlier != row.line:
            report.skipped.append(SkippedRow(row.line, f"id {row.ref} repeats line {earlier}"))
            continue
        rows.append(row)

    # Public numbers are per year of numbering, like the ones residents get in chat.
    year = now.astimezone(timezone).year
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start : start + chunk_size]
        present = await uow.issues.existing_source_refs(
            township_id, SOURCE, [row.ref for row in chunk]
        )
        new = [row for row in chunk if row.ref not in present]
        report.already_present += len(chunk) - len(new)
        if not new:
            continue
        first = await uow.issues.take_sequences(f"issue-number:{year}", len(new))
        numbers = [format_number(year, first + offset) for offset in range(len(new))]
        ids = await uow.issues.insert_many(
            [
                _issue_values(row, number, township_id, now)
                for row, number in zip(new, numbers, strict=True)
            ]
        )
        await uow.issues.insert_events(
            [
                {"issue_id": issue_id, "at": row.created_at, "to_status": IssueStatus.SUBMITTED}
                for issue_id, row in zip(ids, new, strict=True)
            ]
        )
        await uow.commit()
        report.imported += len(new)
        report.first_number = report.first_number or numbers[0]
        report.last_number = numbers[-1]
        for row in new:
            report.villages_matched += row.village_id is not None
            report.categories_matched += row.category_id is not None
            if row.category_id is None and row.category_label:
                report.unmatched_categories[row.category_label] += 1

    if report.imported:
        await uow.audit.record(
            at=now,
            actor_id=None,
            action="issues.import",
            object_type="township",
            object_id=township_id,
            details={
                "file": file_name,
                "imported": report.imported,
                "already_present": report.already_present,
                "skipped": len(report.skipped),
                "numbers": [report.first_number, report.last_number],
            },
        )
        await uow.commit()
    report.skipped.sort(key=lambda skipped: skipped.line)
    return report
