"""/stats, /export and /report through the fake Bot API on the hand-checked November
(tests/stats_fixtures.py): the figures with their counts, the period buttons, other dates
(an inverted range is refused and changes nothing), the chart as a photo, files that arrive
after one progress message edited in place, and staff-only access."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document
from openpyxl import load_workbook

from bot.i18n import translator
from bot.services import monthly_report
from fake_telegram import BotMessage, SimUser
from handlers.stats import StatsChart
from storage.jobs import ClaimedJob
from storage.uow import UnitOfWork
from tests.harness import BotHarness, expect, expect_media
from tests.meeting_fixtures import next_push
from tests.stats_fixtures import ANONYMOUS_NAME, NOW, november

ZH = translator("zh_Hans")


async def _staff(harness: BotHarness) -> SimUser:
    await november(harness.session_factory)
    harness.clock.current = NOW
    return harness.api.user(9001, first_name="小张", language_code="zh-hans")


def _lines(message: BotMessage) -> list[str]:
    return message.text.splitlines()


async def test_the_figures_of_this_month_and_last(harness: BotHarness) -> None:
    staff = await _staff(harness)
    await staff.command("stats")
    figures = await expect(staff, "东风镇")
    lines = _lines(figures)
    assert ZH._("Issues received: {count}", count=6) in lines
    assert (
        ZH.n_(
            "Response rate (answered within {count} day): {rate} ({part} of {whole})",
            "Response rate (answered within {count} days): {rate} ({part} of {whole})",
            3,
            rate="66.7%",
            part=4,
            whole=6,
        )
        in lines
    )
    assert (
        ZH._("Median time to first answer: {time}", time=ZH._("{hours} hours", hours="24.0"))
        in lines
    )
    assert (
        ZH._(
            "Looking back, still solved: {rate} ({part} of {whole} answers)",
            rate="75.0%",
            part=3,
            whole=4,
        )
        in lines
    )
    assert any(line.startswith("• 南湖社区") for line in lines)
    assert figures.has_button("✓ " + ZH._("This month"))
    await staff.press_button(ZH._("Last month"))
    october = await expect(staff, ZH._("Issues received: {count}", count=1))
    assert october.edited and october.has_button("✓ " + ZH._("Last month"))
    await harness.nothing_more(staff)


async def test_other_dates_an_inverted_range_and_an_empty_period(harness: BotHarness) -> None:
    staff = await _staff(harness)
    await staff.command("stats")
    await expect(staff, "东风镇")
    await staff.press_button(ZH._("📅 Other dates…"))
    await expect(staff, "2026-11-01 2026-11-30")
    await staff.send("2026-11-30 2026-11-01")
    inverted = await expect(staff, "2026年11月1日")
    assert inverted.text == ZH._(
        "The range ends ({last}) before it starts ({first}). Please give the first day first.",
        first="2026年11月30日",
        last="2026年11月1日",
    )
    await staff.send("下个月吧")
    await expect(staff, "2026-11-01 2026-11-30")  # not a range: asked again
    await staff.send("2025年1月1日至2025年1月31日")
    empty = await expect(staff, "东风镇")
    assert ZH._("Nothing in this period: no issues, topics, ratings or action items.") in empty.text
    assert not empty.has_button(ZH._("📊 Chart"))
    await harness.nothing_more(staff)


async def test_the_chart_arrives_as_a_photo(harness: BotHarness) -> None:
    staff = await _staff(harness)
    await staff.command("stats")
    await expect(staff, "东风镇")
    await staff.press_button(ZH._("📊 Chart"))
    photo = await expect_media(staff, "photo")
    assert "2026年11月1日" in photo.text
    # A forged button (the days in the wrong order) draws nothing.
    query = await staff.press(StatsChart(20261130, 20261101).data(), check=False)
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
        "This button is no longer valid."
    )
    await harness.nothing_more(staff)


async def _file(harness: BotHarness, staff: SimUser, heading: str) -> tuple[bytes, list[str]]:
    """The progress message and its edits, then the file: (its bytes, the texts shown)."""
    shown = []
    while True:
        message = await staff.next_message(timeout=10)
        if message.kind == "document":
            content = harness.api.files.get(message.payload["document"]["file_id"])
            assert content is not None
            return content.content, shown
        assert message.text.startswith(heading), message.text
        shown.append(message.text)


async def test_export_in_chat(harness: BotHarness) -> None:
    staff = await _staff(harness)
    await staff.command("export", "2026-11-30", "2026-11-01")
    inverted = await expect(staff, "2026年11月30日")
    assert inverted.text == ZH._(
        "The range ends ({last}) before it starts ({first}). Please give the first day first.",
        first="2026年11月30日",
        last="2026年11月1日",
    )
    await staff.command("export", "2026-11-01", "2026-11-30")
    period = ZH._("{first} to {last}", first="2026年11月1日", last="2026年11月30日")
    heading = ZH._("Preparing the export of {period}…", period=period)
    content, shown = await _file(harness, staff, heading)
    assert shown[0].endswith(" 0%") and shown[-1].endswith(" 100%")
    assert len(shown) > 2  # edited in place as the sheets were gathered
    book = load_workbook(io.BytesIO(content))
    assert book.worksheets[0].max_row == 7
    assert ANONYMOUS_NAME not in str([c.value for ws in book for r in ws.iter_rows() for c in r])
    await harness.nothing_more(staff)


async def test_the_monthly_report_in_chat_and_from_its_push(harness: BotHarness) -> None:
    staff = await _staff(harness)
    await staff.command("report", "2027-01")
    await expect(staff, ZH._("That month has not begun yet."))
    await staff.command("report", "十一月")
    await expect(staff, ZH._("Please give the month like /report 2026-10."))
    await staff.command("report")  # last month: October
    heading = ZH._("Preparing the report for {month}…", month="2026年10月")
    content, shown = await _file(harness, staff, heading)
    assert shown[-1] == f"{heading} 100%"
    Document(io.BytesIO(content))
    # The push of the 1st (queued as the monthly job does) carries a button for the file.
    async with UnitOfWork(harness.session_factory) as uow:
        job = ClaimedJob(
            0, "monthly-report", "k", NOW, {"township_id": harness.township_id}, 0, NOW
        )
        harness.clock.current = datetime(2026, 12, 1, 0, 1, tzinfo=UTC)
        await monthly_report.run_job(uow, job, harness.clock.now())
        await uow.commit()
    push = await next_push(harness, staff, "东风镇")
    assert "2026-11" in push.text or "2026年11月" in push.text
    await staff.press_button(ZH._("📄 The report (.docx)"))
    heading = ZH._("Preparing the report for {month}…", month="2026年11月")
    content, _shown = await _file(harness, staff, heading)
    body = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "HY-2026-0001" in body
    await harness.nothing_more(staff)


async def test_residents_and_members_may_not(harness: BotHarness) -> None:
    await _staff(harness)
    member = harness.api.user(5001, first_name="老刘", language_code="zh-hans")
    for command in ("stats", "export", "report"):
        await member.command(command)
        await expect(member, ZH._("This is for the liaison office's staff only."))
    await harness.nothing_more(member)


def test_a_median_under_an_hour_is_told_in_minutes() -> None:
    from bot.i18n import translator
    from handlers.stats import _hours

    zh = translator("zh_Hans")
    assert (_hours(zh, 0.004), _hours(zh, 0.5), _hours(zh, 26.25)) == (
        "1 分钟",
        "30 分钟",
        "26.2 小时",
    )


def test_a_rate_with_nothing_to_count_says_so_in_words() -> None:
    from bot.i18n import translator
    from bot.services.stats import Figures, Rate
    from handlers.stats import _overall

    none, some = Rate(0, 0), Rate(1, 2)
    figures = Figures(None, None, 2, some, 1.5, some, some, none, 0, 0, none)
    lines = _overall(translator("zh_Hans"), figures, 3)
    assert "满意率：暂无评价" in lines and "回头看仍已解决：暂无回答" in lines
