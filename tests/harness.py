"""A running bot wired to the in-process fake Bot API: what handler and flow tests drive."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import build_application, on_startup, on_stop
from bot.config import Settings
from bot.context import ConsultationApp
from bot.dispatcher import wake
from bot.domain.roles import RoleName
from bot.services.container import Services
from bot.services.setup import SetupReport
from bot.updates import Polling
from fake_telegram import BotMessage, FakeBotApi, InProcessRequest, SimUser
from fake_telegram.views import ChatView
from storage.db import Database, SessionFactory, create_bulk_engine, create_read_engine
from storage.models import Notification
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock


class BotHarness:
    def __init__(self, settings: Settings, session_factory: SessionFactory, clock: MutableClock):
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock
        self.api = FakeBotApi(token=settings.bot_token)
        self.app: ConsultationApp | None = None
        self.township: SetupReport | None = None
        self.readers: list[AsyncEngine | None] = []

    async def setup_township(self) -> SetupReport:
        self.township = await factories.township(self.session_factory, self.clock.now())
        return self.township

    async def start(self) -> None:
        url = self.settings.resolved_database_url
        reader, bulk = create_read_engine(url), create_bulk_engine(url)
        self.readers += [reader, bulk]
        # The writer is the tests' own engine, so they see what the bot committed.
        database = Database(writer=self.session_factory.kw["bind"], reader=reader, bulk=bulk)
        app = build_application(
            self.settings,
            database,
            clock=self.clock,
            request=InProcessRequest(self.api),
            get_updates_request=InProcessRequest(self.api),
        )
        await app.initialize()
        await on_startup(app)
        await app.start()
        self.polling = Polling(app, timeout=1)
        await self.polling.start()
        self.app = app

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        await self.polling.stop()
        await app.stop()
        await on_stop(app)
        await app.shutdown()
        for reader in self.readers:
            if reader is not None:
                await reader.dispose()
        self.readers.clear()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every update sent so far is handled and its answers are sent.

        Negative tests wait for this instead of sleeping: when it returns, whatever the bot
        was going to say about those updates has been said.
        """
        assert self.app is not None
        async with asyncio.timeout(timeout):
            while True:
                # getUpdates is a call the fake API sees: wait until the bot fetched them all.
                await self.api.activity.wait_for(lambda: not self.api.pending_updates(), timeout)
                await self.app.update_queue.join()
                if not self.api.pending_updates():
                    return

    async def nothing_more(self, *chats: ChatView) -> None:
        """Every update sent so far is handled, and the bot said nothing more in `chats`
        than what the test has read already (an extra or repeated message fails)."""
        await self.idle()
        for chat in chats:
            unread = await chat.messages_until_idle(quiet=0)
            assert not unread, (
                f"the bot said more in chat {chat.chat_id} than expected: "
                f"{[m.text or m.kind for m in unread]}\n{chat.transcript_text()}"
            )

    async def next_push(self, timeout: float = 5.0) -> None:
        """Let the dispatcher send a chat's next push: it sends one per second per chat, by
        the injected clock, so a test that expects a second push moves the clock on.

        The clock moves only once no push is being sent: a send that finishes after the
        move would count from the new time and hold the chat's next push back again.
        """
        assert self.app is not None
        async with asyncio.timeout(timeout):
            while True:
                async with self.session_factory() as session:
                    sending = await session.scalar(
                        select(func.count(Notification.id)).where(Notification.status == "sending")
                    )
                if not sending:
                    break
                await asyncio.sleep(0.01)
        self.clock.advance(seconds=2)
        wake(self.app)

    def resident(
        self, user_id: int = 1001, first_name: str = "王阿姨", language_code: str = "zh-hans"
    ) -> SimUser:
        return self.api.user(user_id, first_name=first_name, language_code=language_code)

    @property
    def township_id(self) -> int:
        assert self.township is not None
        return self.township.township_id

    def services(self) -> Services:
        assert self.app is not None
        return self.app.services

    async def with_role(
        self, telegram_id: int, role: RoleName, name: str = "联络员", township_id: int | None = None
    ) -> SimUser:
        """A person holding `role` (in the harness's township unless told otherwise)."""
        person_id = await factories.person(
            self.session_factory, self.clock.now(), telegram_id, name
        )
        async with UnitOfWork(self.session_factory) as uow:
            await uow.people.grant(
                person_id, township_id or self.township_id, role, self.clock.now()
            )
            await uow.commit()
        if self.app is not None:
            self.app.services.people.forget(telegram_id)
        return self.api.user(telegram_id, first_name=name, language_code="zh-hans")

    def village_id(self, name: str) -> int:
        assert self.township is not None
        return self.township.villages[name]


async def reply(user: SimUser, timeout: float = 5.0) -> BotMessage:
    return await user.next_message(timeout=timeout)


async def expect(user: ChatView, fragment: str, timeout: float = 5.0) -> BotMessage:
    """The bot's next message to `user`, which must contain `fragment` (nothing skipped).

    An edit counts as a message: a pressed keyboard that is rewritten or taken away is
    something the person sees, so the test reads it too. Where it lands among new messages
    is not (it rewrites a message above them), so an edit is found after the new message
    that follows it.
    """
    message = await user.next_message_with(fragment, timeout=timeout)
    assert fragment in (message.text or ""), (
        f"expected {fragment!r}, the bot said {message.text!r}.\n{user.transcript_text()}"
    )
    return message


async def expect_media(user: ChatView, kind: str, timeout: float = 5.0) -> BotMessage:
    """The bot's next message to `user`, which must be a `kind` (photo, voice, location …)."""
    message = await user.next_message(timeout=timeout)
    assert message.kind == kind, (
        f"expected a {kind}, the bot sent a {message.kind}: {message.text!r}.\n"
        f"{user.transcript_text()}"
    )
    return message


async def replies_until(user: SimUser, fragment: str, timeout: float = 5.0) -> BotMessage:
    """Read the bot's messages until one contains `fragment`, skipping whatever comes first.

    It hides unexpected and duplicated messages, so use `expect` wherever the sequence is
    known; this is only for messages a test legitimately does not care about (say why).
    """
    while True:
        message = await user.next_message(timeout=timeout)
        if fragment in (message.text or ""):
            return message


async def press_category(user: SimUser, label: str) -> None:
    """Press a category, whether or not the bot put it first as its suggestion (✓)."""
    try:
        await user.press_button(label)
    except AssertionError:
        await user.press_button(f"✓ {label}")


async def here(user: SimUser) -> None:
    """Answer "where is it?" with the first button: the village the resident lives in."""
    where = await expect(user, "在哪个村")
    assert where.inline_keyboard and where.inline_keyboard[0][0][0].startswith("✓")
    await user.press(where.inline_keyboard[0][0][1] or "", where)
    await expect(user, "地点")  # the question, rewritten into the answer


async def describe(user: SimUser, text: str, category: str) -> None:
    """From the description prompt to the photos question: describe, say it is where the
    resident lives, submit separately if a neighbour's similar issue is offered, choose the
    category."""
    await user.send(text)
    await here(user)
    prompt = await user.next_message(timeout=5)
    if "类似的事" in (prompt.text or ""):
        await user.press_button("我的不一样，继续 ›")
        await expect(user, "类似的事")  # the offer keeps its text and loses its buttons
        prompt = await user.next_message(timeout=5)
    assert "是哪方面的问题" in (prompt.text or ""), (
        f"expected the category question, the bot said {prompt.text!r}.\n{user.transcript_text()}"
    )
    await press_category(user, category)
    await expect(user, "需要补充照片吗")  # the category question, rewritten
