"""The flow rules, through the bot: stacking, /cancel, timeout, resuming, stale frames."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.roles import RoleName
from bot.i18n import translator
from bot.services import triage
from fake_telegram import SimUser
from handlers.toolkit.state import FlowStack
from storage.models import ChatFlow, IssueQuestion
from storage.uow import UnitOfWork
from tests.handlers.test_intake_flow import raise_issue, start_in_village
from tests.harness import BotHarness, expect, here, replies_until

ZH = translator("zh_Hans")
INTAKE = ZH._("your new issue")
ANSWER = ZH._("your answer to the office")


async def _asked(harness: BotHarness, user: SimUser) -> None:
    """The resident raised an issue and the office asked a question about it."""
    await start_in_village(user)
    await raise_issue(user)
    async with UnitOfWork(harness.session_factory) as uow:
        issue = (await uow.inbox.open_issues(harness.township_id))[0]
        await triage.ask_for_information(
            uow,
            township_id=issue.township_id,
            issue_id=issue.id,
            question="是东门哪一根路灯？",
            actor_id=None,
            now=harness.clock.now(),
        )
        harness.services().apply(await uow.commit())
    await replies_until(user, "是东门哪一根路灯？")


async def test_a_second_flow_puts_the_first_aside_and_it_resumes(harness: BotHarness) -> None:
    user = harness.resident()
    await _asked(harness, user)
    await user.press_button(ZH._("Answer"))
    await expect(
        user,
        ZH._("Please send your answer: write it, or send a photo or a voice message (or /cancel)."),
    )
    # The resident starts a new issue instead of answering: the answer waits.
    await user.command("new")
    await expect(
        user, ZH._("Putting {title} aside; we come back to it when this is done.", title=ANSWER)
    )
    await expect(user, "请描述")
    await user.send("公园的长椅坏了")  # the description, not the answer
    await here(user)
    await replies_until(user, "是哪方面的问题")
    await user.command("cancel")
    await expect(user, ZH._("Stopped {title}. Nothing was sent.", title=INTAKE))
    await expect(user, ZH._("Back to {title}.", title=ANSWER))
    await expect(
        user,
        ZH._("Please send your answer: write it, or send a photo or a voice message (or /cancel)."),
    )
    await user.send("进门左手第三根")
    await expect(user, "YS-2026-000001")
    async with harness.session_factory() as session:
        answers = list(await session.scalars(select(IssueQuestion.answer)))
        flows = list(await session.scalars(select(ChatFlow)))
    assert answers == ["进门左手第三根"]
    assert flows == []  # nothing left open


async def test_starting_an_open_flow_again_resumes_it(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.send("垃圾站三天没清运了")
    await here(user)
    await replies_until(user, "是哪方面的问题")
    await user.command("new")
    await expect(user, ZH._("Let us go on with {title}.", title=INTAKE))
    categories = await expect(user, "是哪方面的问题")  # the draft is still there
    assert categories.buttons


async def test_a_flow_left_too_long_is_closed(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    harness.clock.advance(hours=25)
    await user.send("垃圾站三天没清运了")
    await expect(
        user, ZH._("Closed {title}: it waited too long, and nothing was sent.", title=INTAKE)
    )
    await expect(user, "要反映问题")  # the text is not taken as a description any more


async def test_an_old_drafts_buttons_are_stale_in_a_new_draft(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.send("桥上的护栏松动了")
    await here(user)
    old = await replies_until(user, "是哪方面的问题")
    await user.command("cancel")
    await expect(user, ZH._("Stopped {title}. Nothing was sent.", title=INTAKE))
    await user.command("new")
    await expect(user, "请描述")
    await user.send("公园的长椅坏了")
    await here(user)
    new = await replies_until(user, "是哪方面的问题")
    await user.press(old.inline_keyboard[0][0][1] or "", old, check=False)
    await harness.idle()
    answers = [c.params.get("text") for c in harness.api.calls_of("answerCallbackQuery")]
    assert answers[-1] == ZH._("This button has expired.")
    # The old message was not rewritten, and the new draft still waits for its category.
    assert user.bot_messages()[-1].text == new.text or "是哪方面的问题" in (
        user.bot_messages()[-1].text or ""
    )
    async with harness.session_factory() as session:
        flow = await session.scalar(select(ChatFlow))
    assert flow is not None and flow.frames[-1]["state"] == "category"


async def test_stacked_flows_survive_a_restart(harness: BotHarness) -> None:
    user = harness.resident()
    await _asked(harness, user)
    await user.press_button(ZH._("Answer"))
    await expect(
        user,
        ZH._("Please send your answer: write it, or send a photo or a voice message (or /cancel)."),
    )
    await user.command("new")
    await replies_until(user, "请描述")
    await harness.restart()
    await user.command("cancel")
    await expect(user, ZH._("Stopped {title}. Nothing was sent.", title=INTAKE))
    await expect(user, ZH._("Back to {title}.", title=ANSWER))
    await expect(
        user,
        ZH._("Please send your answer: write it, or send a photo or a voice message (or /cancel)."),
    )


async def test_a_frame_of_a_flow_that_no_longer_exists_is_dropped(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    async with harness.session_factory() as session:
        session.add(
            ChatFlow(
                chat_id=user.id,
                frames=[
                    {
                        "flow": "retired_flow",
                        "state": "x",
                        "data": {},
                        "expires_at": "2099-01-01T00:00:00+00:00",
                        "id": "abcdef",
                    }
                ],
                updated_at=harness.clock.now(),
            )
        )
        await session.commit()
    # Such a frame is left by an earlier version: this one meets it after a restart.
    await harness.restart()
    await user.send("你好")
    await expect(user, "要反映问题")
    async with harness.session_factory() as session:
        assert await session.scalar(select(ChatFlow)) is None


async def test_staff_question_flow_is_not_fed_by_another_command(harness: BotHarness) -> None:
    resident = harness.resident()
    await start_in_village(resident)
    await raise_issue(resident)
    staff = await harness.with_role(9001, RoleName.STAFF)
    await staff.command("inbox")
    listing = await replies_until(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    await staff.press(listing.inline_keyboard[0][0][1] or "", listing)
    card = await replies_until(staff, "路灯")
    await staff.press_button(ZH._("❓ Ask for more"))
    await replies_until(staff, ZH._("Type the question for the resident (or /cancel)."))
    await staff.command("topics")  # a command that works anywhere leaves the flow open
    await replies_until(staff, ZH._("No topics yet. Accept issues from /inbox to create them."))
    await staff.send("是东门哪一根？")
    await expect(staff, ZH._("Sent to the resident. You will be told when they answer."))
    assert card.text


async def _table_text(harness: BotHarness, chat_id: int) -> str:
    async with harness.session_factory() as session:
        flow = await session.scalar(select(ChatFlow).where(ChatFlow.chat_id == chat_id))
    return FlowStack.load(flow.frames if flow is not None else []).saved_text


async def test_the_flows_a_lone_process_remembers_are_what_the_table_holds(
    harness: BotHarness,
) -> None:
    """SQLite: the chat's flows come from memory, which follows every committed step (also a
    step that ends the flow, and a press that changes nothing); PostgreSQL: read each time,
    another process may have moved them."""
    memory = harness.services().flow_memory
    if harness.session_factory.kw["bind"].dialect.name == "postgresql":
        assert memory is None
        return
    assert memory is not None
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    assert memory.get(user.id) == await _table_text(harness, user.id)
    await user.send("公园的长椅坏了")
    await here(user)
    await replies_until(user, "是哪方面的问题")
    stale = user.bot_messages()[-1]
    assert memory.get(user.id) == await _table_text(harness, user.id) != "[]"
    await user.command("cancel")
    await expect(user, ZH._("Stopped {title}. Nothing was sent.", title=INTAKE))
    await harness.idle()
    assert memory.get(user.id) == await _table_text(harness, user.id) == "[]"
    await user.press(stale.inline_keyboard[0][0][1] or "", stale, check=False)
    await harness.idle()
    assert memory.get(user.id) == "[]"
