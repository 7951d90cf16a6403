"""`python -m bot export` as operators run it: a file per format, and one clear line with a
non-zero exit for every bad argument (an inverted range among them)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.__main__ import main
from storage.db import SessionFactory
from tests.stats_fixtures import ANONYMOUS_NAME, november


@pytest.fixture
def run_export(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # type: ignore[no-untyped-def]
    for name in list(os.environ):
        if name.startswith(("BOT_", "DATABASE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, ["export", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _written(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.suffix in (".xlsx", ".zip", ".json")]


NOVEMBER = ("--township", "东风镇", "--since", "2026-11-01", "--until", "2026-11-30")


async def test_each_format(session_factory: SessionFactory, run_export, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await november(session_factory)
    code, out, err = await run_export(*NOVEMBER, "--format", "xlsx", "--output", "nov.xlsx")
    assert code == 0, err
    assert out.startswith("nov.xlsx: 东风镇 2026-11-01 – 2026-11-30 (issues 6, topics 3, ")
    book = load_workbook(tmp_path / "nov.xlsx")
    assert book.worksheets[0].max_row == 7
    code, out, err = await run_export(*NOVEMBER, "--format", "csv")
    assert code == 0, err
    with zipfile.ZipFile(tmp_path / "数据-20261101-20261130.zip") as archive:
        assert "issues.csv" in archive.namelist()
    code, out, err = await run_export(*NOVEMBER, "--format", "json", "--output", "nov.json")
    assert code == 0, err
    document = json.loads((tmp_path / "nov.json").read_text(encoding="utf-8"))
    assert len(document["sheets"]["issues"]) == 6
    assert ANONYMOUS_NAME not in (tmp_path / "nov.json").read_text(encoding="utf-8")
    assert ANONYMOUS_NAME not in str(io.BytesIO((tmp_path / "nov.xlsx").read_bytes()).getvalue())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--since", "2026-11-30", "--until", "2026-11-01"),
            "error: --until 2026-11-01 is before --since 2026-11-30\n",
        ),
        (
            ("--since", "2026-11-31", "--until", "2026-12-01"),
            "error: --since '2026-11-31' is not a date like 2026-11-30\n",
        ),
        (
            ("--since", "2026-11-01", "--until", "12/01"),
            "error: --until '12/01' is not a date like 2026-11-30\n",
        ),
    ],
)
async def test_bad_dates(
    session_factory: SessionFactory,
    run_export,
    tmp_path: Path,
    args,
    message,  # type: ignore[no-untyped-def]
) -> None:
    await november(session_factory)
    code, out, err = await run_export("--township", "东风镇", "--format", "xlsx", *args)
    assert (code, out, err) == (2, "", message)
    assert _written(tmp_path) == []


async def test_unknown_township_and_format(session_factory: SessionFactory, run_export) -> None:  # type: ignore[no-untyped-def]
    await november(session_factory)
    code, _out, err = await run_export(
        "--township", "西风镇", "--format", "xlsx", "--since", "2026-11-01", "--until", "2026-11-30"
    )
    assert code == 2 and err.startswith("error: unknown township '西风镇' (known: 东风镇)")
    code, _out, err = await run_export(*NOVEMBER, "--format", "pdf")
    assert code == 2 and "invalid choice: 'pdf'" in err and err.count("\n") == 1
