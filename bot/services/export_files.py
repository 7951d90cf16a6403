"""An export (bot/services/exports.py) written as an .xlsx workbook, a zip of CSV files or
JSON, with headers and words in the reader's language (JSON keeps stable keys and codes,
for open-data use)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bot.domain.categories import DEFAULT_CATEGORIES
from bot.i18n import N_, Translator
from bot.services.exports import Column, Export

FORMATS = ("xlsx", "csv", "json")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
    "json": "application/json",
}
EXTENSIONS = {"xlsx": "xlsx", "csv": "zip", "json": "json"}

# The words for codes (the same msgids as the chat's, so they read the same everywhere).
WORDS: dict[str, dict[str, str]] = {
    "issue_status": {
        "submitted": N_("Submitted, waiting for the office"),
        "needs_info": N_("More information needed"),
        "accepted": N_("Accepted into a consultation topic"),
        "rejected": N_("Not taken up"),
        "merged": N_("Joined with a similar issue"),
        "withdrawn": N_("Withdrawn"),
        "resolved": N_("Resolved"),
        "closed": N_("Closed"),
    },
    "topic_status": {
        "collecting": N_("Collecting"),
        "selected": N_("Selected for consultation"),
        "scheduled": N_("Meeting scheduled"),
        "deliberated": N_("Deliberated"),
        "implementing": N_("Being implemented"),
        "resolved": N_("Resolved"),
        "reviewed": N_("Looked back on"),
        "closed": N_("Closed"),
        "withdrawn": N_("Withdrawn"),
    },
    "meeting_format": {
        "onsite": N_("On site"),
        "online": N_("Online"),
        "hybrid": N_("On site and online"),
    },
    "rsvp": {
        "pending": N_("no answer yet"),
        "yes": N_("attending"),
        "no": N_("not attending"),
        "maybe": N_("not sure yet"),
        "waiting": N_("on the waiting list"),
    },
    "invited_as": {
        "resident": N_("resident"),
        "member": N_("CPPCC member"),
        "staff": N_("liaison office"),
        "department": N_("department representative"),
        "village": N_("village or community representative"),
        "expert": N_("expert"),
        "observer": N_("observer"),
    },
    "item_status": {"open": N_("open"), "done": N_("done")},
    "rating": {
        "satisfied": N_("Satisfied"),
        "basic": N_("Basically satisfied"),
        "unsatisfied": N_("Not satisfied"),
    },
}
YES, NO = N_("yes"), N_("no")
# The columns whose values are codes shown as words (a handful of values each).
WORDED = frozenset({"category", "yes_no", *WORDS})


def _word(tr: Translator, column: Column, value: Any) -> Any:
    """A cell as the reader sees it: words for codes, numbers as numbers."""
    if value is None:
        return None
    if column.kind == "category":
        key, label = value
        default = DEFAULT_CATEGORIES.get(key or "")
        return tr._(default[0]) if default else label
    if column.kind == "yes_no":
        return tr._(YES if value else NO)
    if column.kind in WORDS:
        msgid = WORDS[column.kind].get(str(value))
        return tr._(msgid) if msgid else str(value)
    return value


def _plain(column: Column, value: Any) -> Any:
    """A cell for JSON: codes as codes, times in ISO 8601 with their offset."""
    if value is None:
        return None
    if column.kind == "category":
        return value[1]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def filename(tr: Translator, export: Export, fmt: str) -> str:
    period = export.period
    return tr._(
        "figures-{first}-{last}.{extension}",
        first=period.first.strftime("%Y%m%d"),
        last=period.last.strftime("%Y%m%d"),
        extension=EXTENSIONS[fmt],
    )


def write(tr: Translator, export: Export, fmt: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(tr, export)
    if fmt == "csv":
        return to_csv_zip(tr, export)
    if fmt == "json":
        return to_json(export)
    raise ValueError(f"unknown export format {fmt!r}")


def _words(tr: Translator, column: Column) -> Callable[[Any], Any]:
    """The cell writer of a column: words looked up once per value, local times without a
    zone (Excel has none: the wall-clock time people read)."""
    seen: dict[Any, Any] = {}

    def worded(value: Any) -> Any:
        if value not in seen:
            seen[value] = _word(tr, column, value)
        return seen[value]

    def plain(value: Any) -> Any:
        return value.replace(tzinfo=None) if isinstance(value, datetime) else value

    return worded if column.kind in WORDED else plain


def to_xlsx(tr: Translator, export: Export) -> bytes:
    # Write-only: rows stream to the file, so a year of issues does not sit in memory twice.
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in export.sheets:
        ws = book.create_sheet(tr._(sheet.title)[:31])
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, value=tr._(column.header))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        writers = [_words(tr, column) for column in sheet.columns]
        for row in sheet.rows:
            ws.append([write(value) for write, value in zip(writers, row, strict=True)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv_zip(tr: Translator, export: Export) -> bytes:
    """One CSV per sheet (UTF-8 with a byte-order mark, so spreadsheet programs read the
    Chinese right), named by the sheet's key."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in export.sheets:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow([tr._(column.header) for column in sheet.columns])
            for row in sheet.rows:
                writer.writerow(
                    [
                        _text(_word(tr, column, value))
                        for column, value in zip(sheet.columns, row, strict=True)
                    ]
                )
            archive.writestr(f"{sheet.key}.csv", "\ufeff" + text.getvalue())
    return out.getvalue()


def to_json(export: Export) -> bytes:
    document = {
        "township": export.township,
        "since": export.period.first.isoformat(),
        "until": export.period.last.isoformat(),
        "timezone": export.zone.key,
        "sheets": {
            sheet.key: [
                {
                    column.key: _plain(column, value)
                    for column, value in zip(sheet.columns, row, strict=True)
                }
                for row in sheet.rows
            ]
            for sheet in export.sheets
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
