"""Reading a hotline (12345) or message-board export, CSV or xlsx, into rows by field.

The header is looked for in the first rows (title lines may come first) and its columns are
mapped to fields by the aliases in bot/grouping/words/import_headers.txt; blank rows are
dropped. What the rows mean is bot/services/importer.py's business.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.grouping.wordlists import sections

# Field -> accepted headers. Exports from the 12345 system, message boards and hand-made
# spreadsheets name the same column differently; compared after `normalise_header`, so
# case, spaces and full-width forms do not matter. The list is a data file
# (bot/grouping/words/import_headers.txt), editable without touching code.
HEADER_ALIASES: dict[str, tuple[str, ...]] = sections("import_headers.txt")
REQUIRED_FIELDS = ("id", "time")
TEXT_FIELDS = ("title", "body")  # at least one of them must be a column
# Non-blank rows searched for the header (title lines may come first).
HEADER_SEARCH_ROWS = 10


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (type, encoding or header)."""


@dataclass(frozen=True)
class SourceRow:
    """One data row: its line in the file (1 = the first line) and its cells by field."""

    line: int
    values: Mapping[str, object]


@dataclass(frozen=True)
class SourceTable:
    """Rows of an export, keyed by field; `columns` maps each field to its header."""

    columns: Mapping[str, str]
    rows: Sequence[SourceRow]


def normalise_header(header: object) -> str:
    text = unicodedata.normalize("NFKC", "" if header is None else str(header))
    return "".join(text.split()).lower().lstrip("\ufeff")


_FIELD_BY_HEADER = {
    normalise_header(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


def map_header(headers: Sequence[object]) -> dict[str, int]:
    """Field -> column index for a header row; the first column naming a field wins."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = _FIELD_BY_HEADER.get(normalise_header(header))
        if name is not None and name not in mapping:
            mapping[name] = index
    return mapping


def _is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _missing(mapping: Mapping[str, int]) -> list[str]:
    missing = [name for name in REQUIRED_FIELDS if name not in mapping]
    if not any(name in mapping for name in TEXT_FIELDS):
        missing.append(" or ".join(TEXT_FIELDS))
    return missing


def _missing_columns_error(missing: Sequence[str]) -> ImportFileError:
    accepted = "; ".join(
        f"{name}: {'/'.join(HEADER_ALIASES[name])}"
        for wanted in missing
        for name in wanted.split(" or ")
    )
    return ImportFileError(f"no column for {', '.join(missing)} (accepted headers: {accepted})")


def table_from_records(records: Iterable[tuple[int, Sequence[object]]]) -> SourceTable:
    """Build a table from (line, cells) records.

    The header is the first row naming the needed columns among the first few non-blank
    rows: exports often carry a title line ("12345工单导出 2026年2月") above it.
    """
    iterator = iter(records)
    first_missing: list[str] | None = None
    header: Sequence[object] | None = None
    mapping: dict[str, int] = {}
    looked_at = 0
    for _line, cells in iterator:
        if _is_blank(cells):
            continue
        mapping = map_header(cells)
        missing = _missing(mapping)
        if not missing:
            header = cells
            break
        first_missing = first_missing or missing
        looked_at += 1
        if looked_at >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if first_missing is None:
            raise ImportFileError("the file is empty")
        raise _missing_columns_error(first_missing)
    rows: list[SourceRow] = []
    for line, cells in iterator:
        if _is_blank(cells):
            continue
        values = {
            name: (cells[index] if index < len(cells) else None) for name, index in mapping.items()
        }
        rows.append(SourceRow(line=line, values=values))
    columns = {name: str(header[index]).strip() for name, index in mapping.items()}
    return SourceTable(columns=columns, rows=rows)


def _decode(raw: bytes) -> str:
    # Spreadsheet programs on Chinese Windows save CSV as GBK unless told otherwise.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("the CSV file is neither UTF-8 nor GB18030 text")


def _csv_records(text: str) -> Iterator[tuple[int, Sequence[object]]]:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Comma unless the header clearly uses tabs or semicolons ("Unicode text" exports).
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # A quoted cell may span lines: report the line where the record starts.
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _xlsx_records(path: Path) -> Iterator[tuple[int, Sequence[object]]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError) as exc:
        raise ImportFileError(f"{path.name} is not a readable .xlsx workbook") from exc
    try:
        sheet = workbook.active or workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
    finally:
        workbook.close()


def read_table(path: Path) -> SourceTable:
    """Read a .csv (UTF-8 or GB18030; comma, tab or semicolon) or .xlsx export."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ImportFileError("old .xls workbooks are not supported: save it as .xlsx or .csv")
    if suffix not in (".xlsx", ".xlsm", ".csv", ".tsv", ".txt"):
        raise ImportFileError(f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx")
    if not path.is_file():
        raise ImportFileError(f"no such file: {path}")
    if suffix in (".xlsx", ".xlsm"):
        return table_from_records(_xlsx_records(path))
    return table_from_records(_csv_records(_decode(path.read_bytes())))
