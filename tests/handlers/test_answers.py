"""Answering the office's question: [Answer], a reply to the question, or the next message;
in words, a photo or a voice note."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.roles import RoleName
from bot.i18n import translator
from bot.services import triage
from fake_telegram import BotMessage, SimUser
from storage.models import Attachment, IssueQuestion, Person
from storage.uow import UnitOfWork
from tests.handlers.test_intake_flow import raise_issue, start_in_village
from tests.harness import BotHarness, expect, here

ZH = translator("zh_Hans")
QUESTION = "是东门哪一根路灯？"


async def _asked(harness: BotHarness, resident: SimUser) -> tuple[SimUser, BotMessage]:
    """The resident raised an issue; a staff member asked about it; the question arrived."""
    await start_in_village(resident)
    await raise_issue(resident)
    staff = await harness.with_role(9001, RoleName.STAFF)
    async with UnitOfWork(harness.session_factory) as uow:
        issue = (await uow.inbox.open_issues(harness.township_id))[0]
        asker = await uow.people.by_telegram_id(9001)
        assert asker is not None
        await triage.ask_for_information(
            uow,
            township_id=issue.township_id,
            issue_id=issue.id,
            question=QUESTION,
            actor_id=asker.id,
            now=harness.clock.now(),
        )
        harness.services().apply(await uow.commit())
    question = await expect(resident, QUESTION)
    return staff, question


async def _answers(harness: BotHarness) -> list[str | None]:
    async with harness.session_factory() as session:
        return list(await session.scalars(select(IssueQuestion.answer)))


async def test_the_next_message_answers_a_waiting_question(harness: BotHarness) -> None:
    resident = harness.resident()
    staff, _question = await _asked(harness, resident)
    await resident.send("进门左手第三根")
    await expect(resident, "YS-2026-000001")
    told = await expect(staff, "进门左手第三根")
    assert "YS-2026-000001" in (told.text or "")
    assert await _answers(harness) == ["进门左手第三根"]
    # Answered: the next message is an ordinary one again.
    await resident.send("谢谢")
    await expect(resident, "要反映问题")
    await harness.nothing_more(resident)


async def test_a_photo_answers_and_staff_are_told_where_to_see_it(harness: BotHarness) -> None:
    resident = harness.resident()
    staff, question = await _asked(harness, resident)
    await resident.send_photo(reply_to=question)
    await expect(resident, "YS-2026-000001")
    told = await expect(staff, "另附照片 1 张：打开诉求即可查看。")
    assert told.buttons == [ZH._("Open the issue")]
    async with harness.session_factory() as session:
        kinds = [a.kind for a in await session.scalars(select(Attachment))]
    assert kinds.count("photo") == 4  # the three of the issue, and the answer's
    assert await _answers(harness) == [""]


async def test_a_reply_to_the_question_answers_in_the_middle_of_a_new_issue(
    harness: BotHarness,
) -> None:
    resident = harness.resident()
    _staff, question = await _asked(harness, resident)
    await resident.command("new")
    await expect(resident, "请描述")
    await resident.send("进门左手第三根", reply_to=question)
    await expect(resident, "YS-2026-000001")  # the answer is taken
    await expect(resident, ZH._("Back to {title}.", title=ZH._("your new issue")))
    await expect(resident, "请描述")  # and the new issue goes on where it was
    await resident.send("公园的长椅坏了")
    await here(resident)
    await expect(resident, "是哪方面的问题")
    assert await _answers(harness) == ["进门左手第三根"]


async def test_the_answer_button_takes_a_voice_note(harness: BotHarness) -> None:
    resident = harness.resident()
    staff, _question = await _asked(harness, resident)
    await resident.press_button(ZH._("Answer"))
    await expect(resident, "请发送您的回答")
    await resident.send_voice()
    await expect(resident, "YS-2026-000001")
    await expect(staff, "一段语音")
    async with harness.session_factory() as session:
        voice = await session.scalar(select(Attachment).where(Attachment.kind == "voice"))
        person = await session.scalar(select(Person).where(Person.telegram_id == resident.id))
    assert voice is not None and person is not None
