"""`python -m bot import-issues | candidates | grant | revoke` as operators run them.

The main paths run the real process; variations of output run `main` in-process (in a
thread, as it starts its own event loop) to keep the suite fast.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.__main__ import main
from bot.domain.roles import RoleName
from bot.services.roles import grant_role, revoke_role
from storage.db import SessionFactory
from storage.models import AuditLog, Issue, Person
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

RunMain = Callable[..., Awaitable[tuple[int, str, str]]]


async def _run_cli(*args: str, database_url: str, cwd: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.fixture
def in_process(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> RunMain:
    """`await run("candidates", ...)` -> (exit code, stdout, stderr) without a new process."""
    for name in list(os.environ):
        if name.startswith(("BOT_", "DATABASE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def test_import_issues_then_candidates_csv(
    database_url: str, session_factory: SessionFactory, clock: MutableClock, tmp_path: Path
) -> None:
    await factories.township(session_factory, clock.now())
    code, out, err = await _run_cli(
        "import-issues",
        str(DATA / "hotline_zh.csv"),
        "--township",
        "东风镇",
        database_url=database_url,
        cwd=tmp_path,
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("hotline_zh.csv: 7 rows into 东风镇 (columns id=留言编号, ")
    assert lines[1:5] == [
        "imported 4, already present 0, skipped 3",
        "  line 5: no id",
        "  line 6: time '去年冬天' is not a date and time",
        "  line 7: title and body are both empty",
    ]
    assert lines[5].startswith("  numbers YS-2026-000001 to YS-2026-000004; 3 matched a village")
    assert lines[6] == "  categories not known in the township (left unset): 市容管理 (1)"
    async with session_factory() as session:
        assert await session.scalar(select(func.count(Issue.id))) == 4

    code, out, err = await _run_cli(
        "candidates", "--township", "东风镇", database_url=database_url, cwd=tmp_path
    )
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["issue_id", "candidate", "size"]
    # Every unassigned open issue once, by its export id; unrelated ones stand alone.
    assert sorted(row[0] for row in rows[1:]) == ["H1001", "H1002", "H1005", "H1006"]
    assert {row[2] for row in rows[1:]} == {"1"}
    assert len({row[1] for row in rows[1:]}) == 4


async def test_reimport_and_candidate_listings(
    session_factory: SessionFactory, clock: MutableClock, in_process: RunMain
) -> None:
    await factories.township(session_factory, clock.now())
    code, out, err = await in_process(
        "import-issues", str(DATA / "hotline_zh.csv"), "--township", "东风镇"
    )
    assert code == 0, err
    code, out, err = await in_process(
        "import-issues", str(DATA / "hotline_zh.csv"), "--township", "东风镇"
    )
    assert code == 0, err
    assert out.splitlines()[1] == "imported 0, already present 4, skipped 3"
    code, out, err = await in_process(
        "import-issues", str(DATA / "candidates_sample.csv"), "--township", "东风镇"
    )
    assert code == 0, err
    assert out.splitlines()[1] == "imported 10, already present 0, skipped 0"

    runs = []
    for _ in range(2):
        code, out, err = await in_process("candidates", "--township", "东风镇", "--format", "csv")
        assert code == 0, err
        runs.append(out)
    assert runs[0] == runs[1]  # stable keys, stable order
    rows = list(csv.DictReader(io.StringIO(runs[0])))
    assert len(rows) == 14  # every unassigned open issue, once
    by_ref = {row["issue_id"]: row for row in rows}
    restaurant = {by_ref[ref]["candidate"] for ref in ("C001", "C002", "C003")}
    assert len(restaurant) == 1
    assert {by_ref[ref]["size"] for ref in ("C001", "C002", "C003")} == {"3"}
    assert by_ref["C004"]["candidate"] == by_ref["C005"]["candidate"] != restaurant.pop()
    assert by_ref["C004"]["size"] == "2"
    assert by_ref["C007"]["size"] == "1"
    assert [row["issue_id"] for row in rows[:5]] == ["C001", "C002", "C003", "C004", "C005"]

    code, out, err = await in_process(
        "candidates", "--township", "东风镇", "--format", "csv", "--summary"
    )
    assert code == 0, err
    summary = list(csv.DictReader(io.StringIO(out)))
    assert [row["size"] for row in summary] == ["3", "2"]
    assert summary[0]["candidate"] == by_ref["C001"]["candidate"]
    assert "烧烤店" in summary[0]["key_terms"].split("、")
    assert "金桂苑" in summary[0]["place"]
    assert (summary[0]["first_date"], summary[0]["last_date"]) == ("2026-01-05", "2026-01-20")
    assert set(summary[0]["examples"].split(";")) <= {"C001", "C002", "C003"}
    code, out, err = await in_process(
        "candidates", "--township", "东风镇", "--summary", "--min-size", "1"
    )
    assert len(list(csv.DictReader(io.StringIO(out)))) == 11  # two groups, nine alone

    code, out, err = await in_process(
        "candidates", "--township", "东风镇", "--format", "table", "--summary"
    )
    assert code == 0, err
    table = out.splitlines()
    assert table[0].split()[:3] == ["candidate", "size", "title"]
    assert set(table[1]) <= {"-", " "}
    assert table[2].startswith(by_ref["C001"]["candidate"])
    assert len(table) == 4
    code, out, err = await in_process("candidates", "--township", "东风镇", "--format", "table")
    assert code == 0, err
    table = out.splitlines()
    assert len(table) == 2 + 14
    # Columns line up although titles are Chinese (two terminal columns per character).
    title_at = table[0].index("title")
    assert all(line[:title_at].endswith("  ") for line in table[2:])
    assert table[2].startswith("C001 ")
    assert "金桂苑小区临街烧烤店" in table[2]


async def test_unknown_township_is_one_line_and_exit_2(
    database_url: str,
    session_factory: SessionFactory,
    clock: MutableClock,
    tmp_path: Path,
    in_process: RunMain,
) -> None:
    await factories.township(session_factory, clock.now())
    expected = [
        "error: unknown township '西山乡' (known: 东风镇); create it with `python -m bot setup`"
    ]
    code, out, err = await _run_cli(
        "import-issues",
        str(DATA / "hotline_zh.csv"),
        "--township",
        "西山乡",
        database_url=database_url,
        cwd=tmp_path,
    )
    assert (code, out, err.strip().splitlines()) == (2, "", expected)
    for args in (
        ("candidates", "--township", "西山乡"),
        ("grant", "--township", "西山乡", "--telegram-id", "7", "--role", "staff"),
    ):
        code, out, err = await in_process(*args)
        assert (code, out, err.strip().splitlines()) == (2, "", expected)
    async with session_factory() as session:
        assert await session.scalar(select(func.count(Issue.id))) == 0
        assert await session.scalar(select(func.count(Person.id))) == 0


async def test_bad_import_file_or_arguments_are_one_line(
    session_factory: SessionFactory, clock: MutableClock, tmp_path: Path, in_process: RunMain
) -> None:
    await factories.township(session_factory, clock.now())
    export = tmp_path / "export.csv"
    export.write_text("标题,内容\n路灯坏了,村口路灯不亮\n", encoding="utf-8")
    code, _out, err = await in_process("import-issues", str(export), "--township", "东风镇")
    assert code == 2
    assert err.startswith("error: no column for id, time (accepted headers: id: 留言编号/")
    assert len(err.strip().splitlines()) == 1
    code, _out, err = await in_process("candidates", "--township", "东风镇", "--format", "pdf")
    assert code == 2
    assert "invalid choice: 'pdf'" in err
    code, _out, err = await in_process(
        "grant", "--township", "东风镇", "--telegram-id", "7", "--role", "resident"
    )
    assert code == 2
    assert "invalid choice: 'resident'" in err


async def test_grant_and_revoke_from_the_command_line(
    database_url: str,
    session_factory: SessionFactory,
    clock: MutableClock,
    tmp_path: Path,
    in_process: RunMain,
) -> None:
    await factories.township(session_factory, clock.now())
    args = ("--township", "东风镇", "--telegram-id", "4242", "--role", "staff")
    outputs: list[str] = []
    for command in ("grant", "grant", "revoke", "revoke"):
        if command == "grant" and not outputs:
            code, out, err = await _run_cli(command, *args, database_url=database_url, cwd=tmp_path)
        else:
            code, out, err = await in_process(command, *args)
        assert code == 0, err
        outputs.append(out.splitlines()[0])
    assert outputs == [
        "granted staff in 东风镇 to Telegram user 4242, who has not used the bot yet",
        "Telegram user 4242 already is staff in 东风镇",
        "revoked staff in 东风镇 from Telegram user 4242",
        "Telegram user 4242 is not staff in 东风镇; nothing to revoke",
    ]
    async with UnitOfWork(session_factory) as uow:
        person = await uow.people.by_telegram_id(4242)
        assert person is not None
        assert await uow.people.roles(person.id) == []
    async with session_factory() as session:
        actions = list(
            await session.scalars(
                select(AuditLog.action)
                .where(AuditLog.object_type == "person", AuditLog.object_id == str(person.id))
                .order_by(AuditLog.id)
            )
        )
    assert actions == ["role.grant", "role.revoke"]


async def test_role_service_is_idempotent_and_audited(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report = await factories.township(session_factory, clock.now())
    west = await factories.township(session_factory, clock.now(), name="西山乡")
    async with UnitOfWork(session_factory) as uow:
        resident = await uow.people.add(
            Person(
                telegram_id=77, first_name="李委员", created_at=clock.now(), updated_at=clock.now()
            )
        )
        await uow.commit()

    async def grant(township_id: int, role: RoleName) -> bool:
        async with UnitOfWork(session_factory) as uow:
            change = await grant_role(
                uow, township_id=township_id, telegram_id=77, role=role, now=clock.now()
            )
            await uow.commit()
        assert change.person_id == resident.id and not change.person_created
        return change.changed

    async def revoke(township_id: int, role: RoleName) -> bool:
        async with UnitOfWork(session_factory) as uow:
            change = await revoke_role(
                uow, township_id=township_id, telegram_id=77, role=role, now=clock.now()
            )
            await uow.commit()
        return change.changed

    assert await grant(report.township_id, RoleName.MEMBER)
    assert not await grant(report.township_id, RoleName.MEMBER)
    assert await grant(report.township_id, RoleName.STAFF)
    assert await grant(west.township_id, RoleName.MEMBER)
    assert await revoke(report.township_id, RoleName.MEMBER)
    assert not await revoke(report.township_id, RoleName.MEMBER)
    async with UnitOfWork(session_factory) as uow:
        # Only that role in that township went; the person stays.
        assert sorted(await uow.people.roles(resident.id)) == sorted(
            [(report.township_id, RoleName.STAFF), (west.township_id, RoleName.MEMBER)]
        )
        # Revoking for someone the bot never met creates nobody.
        change = await revoke_role(
            uow,
            township_id=report.township_id,
            telegram_id=999,
            role=RoleName.ADMIN,
            now=clock.now(),
        )
        assert (change.person_id, change.changed) == (None, False)
        assert await uow.people.by_telegram_id(999) is None
    async with session_factory() as session:
        audit = (
            await session.scalars(
                select(AuditLog)
                .where(AuditLog.action.in_(["role.grant", "role.revoke"]))
                .order_by(AuditLog.id)
            )
        ).all()
    assert [(a.action, a.details and a.details["role"]) for a in audit] == [
        ("role.grant", "member"),
        ("role.grant", "staff"),
        ("role.grant", "member"),
        ("role.revoke", "member"),
    ]
