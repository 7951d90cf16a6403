"""The notification dispatcher against the fake Bot API: retries, blocks, pacing, exactly once.

A real PTB `Bot` talks to the fake over `InProcessRequest`; the clock is moved by hand, so
back-off and retry_after are checked without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.config import SUPPORTED_LOCALES, Settings
from bot.dispatcher import (
    BACKOFF,
    NotificationDispatcher,
    RenderedPush,
    dispatcher_of,
    stop_dispatcher,
    wake,
)
from bot.services.container import Services
from bot.services.outbox import NotificationKind, notify
from fake_telegram import FakeBotApi, InProcessRequest, parse_html
from handlers.notifications import render_notification
from storage.db import SessionFactory
from storage.models import Notification, Person
from tests.conftest import MutableClock
from tests.handlers.test_outcome_notices import DELIBERATION_PAYLOADS

HOSTILE = "<b>未闭合 & </i> 5<6 {topic_number} %s"

PAYLOADS: dict[NotificationKind, dict[str, Any]] = {
    NotificationKind.ISSUE_ACCEPTED: {
        "issue_number": "YS-2026-000001",
        "topic_number": "YT-2026-0001",
        "topic_title": "南湖社区东门路灯 " + HOSTILE,
        "role": "raiser",
    },
    NotificationKind.ISSUE_REJECTED: {
        "issue_number": "YS-2026-000002",
        "reason": HOSTILE,
        "role": "supporter",
    },
    NotificationKind.ISSUE_MERGED: {
        "issue_number": "YS-2026-000003",
        "original_number": "YS-2026-000001",
        "role": "raiser",
    },
    NotificationKind.ISSUE_NEEDS_INFO: {
        "issue_number": "YS-2026-000004",
        "question": "是哪一根路灯？" + HOSTILE,
        "question_id": 42,
    },
    NotificationKind.ISSUE_INFO_RECEIVED: {
        "issue_number": "YS-2026-000004",
        "answer": "东门第三根 " + HOSTILE,
        "photos": 2,
        "voices": 0,
    },
    NotificationKind.ISSUE_UPDATED: {
        "issue_number": "YS-2026-000005",
        "what": "village",
        "value": "柳树屯 " + HOSTILE,
        "role": "supporter",
    },
    NotificationKind.TOPIC_MERGED: {
        "topic_number": "YT-2026-0002",
        "into_number": "YT-2026-0001",
        "into_title": "路灯维修 " + HOSTILE,
    },
    NotificationKind.ISSUE_TOPIC_CHANGED: {
        "issue_number": "YS-2026-000006",
        "from_number": "YT-2026-0001",
        "topic_number": "YT-2026-0003",
        "topic_title": "东门积水 " + HOSTILE,
        "role": "raiser",
    },
    NotificationKind.CATCH_UP: {
        "items": (
            '[{"kind": "issue_rejected", "payload": {"issue_number": "YS-2026-000002", '
            '"reason": "<i>已解决</i>", "role": "raiser"}}, {"kind": "gone_kind", "payload": {}}]'
        ),
    },
    # -- the office's side -----------------------------------------------------------------------
    NotificationKind.NEW_ISSUE: {
        "issue_id": 7,
        "issue_number": "YS-2026-000007",
        "summary": "桥头积水 " + HOSTILE,
        "village": "柳树屯",
        "voice": 1,
        "photos": 2,
    },
    NotificationKind.ISSUE_DIGEST: {
        "township": "东风镇 " + HOSTILE,
        "hours": 4,
        "count": 12,
        "items": '[{"number": "YS-2026-000008", "summary": "", "voice": 1, "photos": 0}]',
    },
    NotificationKind.ROLE_CHANGED: {
        "township": "东风镇 " + HOSTILE,
        "granted_role": "member",
        "change": "granted",
    },
    NotificationKind.ISSUE_TOPIC_MERGED: {
        "issue_number": "YS-2026-000009",
        "from_number": "YT-2026-0004",
        "topic_number": "YT-2026-0001",
        "topic_title": "东门积水 " + HOSTILE,
        "role": "supporter",
    },
    # Deliberation meetings: opinions before, the outcome after.
    **DELIBERATION_PAYLOADS,
}
# Payload fields that choose what is said rather than being said (ids, selectors, lists).
NOT_SHOWN = ("question_id", "what", "role", "items", "issue_id", "voice", "photos", "voices")
NOT_SHOWN += ("granted_role", "change")


@pytest.fixture
def api(settings: Settings) -> FakeBotApi:
    return FakeBotApi(token=settings.bot_token)


async def _bot(api: FakeBotApi, read_timeout: float = 5.0) -> Bot:
    bot = Bot(api.token, request=InProcessRequest(api, read_timeout=read_timeout))
    await bot.initialize()
    return bot


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    bot = await _bot(api)
    yield bot
    await bot.shutdown()


@pytest.fixture
def services(settings: Settings, session_factory: SessionFactory, clock: MutableClock) -> Services:
    return Services(settings=settings, session_factory=session_factory, clock=clock)


@pytest.fixture
async def dispatcher(services: Services, bot: Bot) -> AsyncIterator[NotificationDispatcher]:
    dispatcher = NotificationDispatcher(services, bot, render_notification)
    yield dispatcher
    await dispatcher.stop()


async def _person(
    services: Services,
    api: FakeBotApi | None,
    telegram_id: int,
    *,
    locale: str | None = None,
    language_code: str | None = "zh-hans",
    chat_id: int | None = -1,
) -> int:
    """A registered person; with `api`, also the simulated user (whose chat id is their id)."""
    if api is not None:
        api.user(telegram_id, first_name="王阿姨", language_code=language_code)
    now = services.clock.now()
    async with services.uow() as uow:
        person = await uow.people.add(
            Person(
                telegram_id=telegram_id,
                chat_id=telegram_id if chat_id == -1 else chat_id,
                first_name="王阿姨",
                language_code=language_code,
                locale=locale,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        await uow.commit()
        return person.id


async def _queue(
    services: Services,
    recipient: int,
    key: str,
    kind: NotificationKind = NotificationKind.ISSUE_REJECTED,
    payload: dict[str, Any] | None = None,
) -> None:
    async with services.uow() as uow:
        await notify(
            uow,
            recipient_id=recipient,
            kind=kind,
            payload=payload or {"issue_number": key, "reason": "已解决", "role": "raiser"},
            dedupe_key=key,
            now=services.clock.now(),
        )
        await uow.commit()


async def _rows(session_factory: SessionFactory) -> list[Notification]:
    async with session_factory() as session:
        return list(await session.scalars(select(Notification).order_by(Notification.id)))


async def _only(session_factory: SessionFactory) -> Notification:
    [row] = await _rows(session_factory)
    return row


def _sent_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [str(m.payload.get("text")) for m in api.messages(chat_id) if m.from_bot]


async def _eventually(check: Callable[[], Awaitable[bool]], timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


# -- sending --------------------------------------------------------------------------------------


async def test_a_due_row_is_sent_once_in_the_recipients_language(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
    clock: MutableClock,
) -> None:
    resident = await _person(services, api, 1001, language_code="en")
    await _queue(services, resident, "YS-2026-000007")
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    [text] = _sent_to(api, 1001)
    assert "YS-2026-000007" in text and "was not taken up" in text
    row = await _only(session_factory)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == (
        "sent",
        1,
        clock.now(),
        None,
    )
    [call] = api.calls_of("sendMessage")
    assert call.params["parse_mode"] == "HTML"
    assert await dispatcher.counts() == {
        "pending": 0,
        "sending": 0,
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "summed_up": 0,
    }


async def test_a_push_with_photos_and_a_file_goes_out_in_order(
    services: Services, api: FakeBotApi, bot: Bot, session_factory: SessionFactory
) -> None:
    """Photos first (one alone, more as albums of ten), then the text, then the file."""
    resident = await _person(services, api, 1001)
    photos = tuple(api.files.create("photo", b"\x89PNG%d" % n).file_id for n in range(12))

    def render(kind: str, payload: Mapping[str, Any], locale: str) -> RenderedPush:
        return RenderedPush(
            "<b>进展</b>：已完成 50%", photos=photos, document=("report.docx", b"PK\x03\x04")
        )

    dispatcher = NotificationDispatcher(services, bot, render)
    try:
        await _queue(services, resident, "progress-1")
        assert await dispatcher.run_once() == 1
    finally:
        await dispatcher.stop()
    calls = [call.method for call in api.calls if call.method.startswith("send")]
    assert calls == ["sendMediaGroup", "sendMediaGroup", "sendMessage", "sendDocument"]
    [album, rest] = api.calls_of("sendMediaGroup")
    assert len(album.params["media"]) == 10 and len(rest.params["media"]) == 2
    assert "进展：已完成 50%" in _sent_to(api, 1001)
    row = await _only(session_factory)
    assert row.status == "sent"


async def test_wake_sends_at_once_however_often_it_is_called(
    services: Services, api: FakeBotApi, bot: Bot, session_factory: SessionFactory
) -> None:
    # A poll interval far longer than the test: only wake() can explain a prompt delivery.
    dispatcher = NotificationDispatcher(services, bot, render_notification, poll_interval=60)
    people = [await _person(services, api, 2000 + n) for n in range(6)]
    await dispatcher.start()
    try:
        await asyncio.sleep(0.05)  # the start-up pass has found nothing
        for n, person in enumerate(people):
            await _queue(services, person, f"k{n}")

        async def wake_many() -> None:
            for _ in range(20):
                dispatcher.wake()
                await asyncio.sleep(0)

        started = asyncio.get_running_loop().time()
        await asyncio.gather(*(wake_many() for _ in range(10)))

        async def all_sent() -> bool:
            return all(row.status == "sent" for row in await _rows(session_factory))

        await _eventually(all_sent, timeout=2.0)
        assert asyncio.get_running_loop().time() - started < 1.0
        await asyncio.sleep(0.2)  # any extra pass would have sent by now
    finally:
        await dispatcher.stop()
    assert len(api.calls_of("sendMessage")) == len(people)
    assert all(len(_sent_to(api, 2000 + n)) == 1 for n in range(len(people)))


async def test_overlapping_passes_and_dispatchers_send_each_row_once(
    services: Services, api: FakeBotApi, bot: Bot, session_factory: SessionFactory
) -> None:
    people = [await _person(services, api, 3000 + n) for n in range(12)]
    for n, person in enumerate(people):
        await _queue(services, person, f"k{n}")
    api.delay(0.02, method="sendMessage")  # keep sends in flight while the others claim
    first = NotificationDispatcher(services, bot, render_notification, batch_size=4)
    second = NotificationDispatcher(services, bot, render_notification, batch_size=4)
    handled = await asyncio.gather(
        first.run_once(), second.run_once(), first.run_once(), second.run_once()
    )
    assert sum(handled) == len(people)
    assert [row.status for row in await _rows(session_factory)] == ["sent"] * len(people)
    assert sorted(c.chat_id or 0 for c in api.calls_of("sendMessage")) == [
        3000 + n for n in range(12)
    ]


# -- Telegram says no -----------------------------------------------------------------------------


async def test_429_waits_for_retry_after_by_the_clock(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
    clock: MutableClock,
) -> None:
    resident = await _person(services, api, 1001)
    await _queue(services, resident, "k")
    api.fail_next("sendMessage", status=429, retry_after=30)
    await dispatcher.run_once()
    row = await _only(session_factory)
    assert row.status == "pending"
    assert row.attempts == 0  # a rate limit is not a failed attempt
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert row.last_error is not None and row.last_error.startswith("rate limited (1)")
    clock.advance(seconds=29)
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=1)
    assert await dispatcher.run_once() == 1
    row = await _only(session_factory)
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(_sent_to(api, 1001)) == 1
    assert len(api.calls_of("sendMessage")) == 2


async def test_endless_rate_limits_end_in_failure(
    services: Services,
    api: FakeBotApi,
    bot: Bot,
    session_factory: SessionFactory,
    clock: MutableClock,
) -> None:
    dispatcher = NotificationDispatcher(services, bot, render_notification, max_rate_limits=3)
    resident = await _person(services, api, 1001)
    await _queue(services, resident, "k")
    api.fail_next("sendMessage", status=429, retry_after=5, times=100)
    for _ in range(4):
        await dispatcher.run_once()
        clock.advance(seconds=5)
    row = await _only(session_factory)
    assert row.status == "failed"
    assert row.last_error is not None and row.last_error.startswith("rate limited (4)")
    assert await dispatcher.run_once() == 0


async def test_a_server_error_is_retried_after_a_back_off(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
    clock: MutableClock,
) -> None:
    resident = await _person(services, api, 1001)
    await _queue(services, resident, "k")
    api.fail_next("sendMessage", status=500)
    await dispatcher.run_once()
    row = await _only(session_factory)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == clock.now() + BACKOFF[0]
    assert row.last_error is not None and "Internal Server Error" in row.last_error
    assert await dispatcher.run_once() == 0  # not due yet
    clock.advance(seconds=BACKOFF[0].total_seconds())
    await dispatcher.run_once()
    row = await _only(session_factory)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(_sent_to(api, 1001)) == 1


async def test_repeated_timeouts_end_in_failure_with_the_last_error(
    services: Services,
    api: FakeBotApi,
    settings: Settings,
    session_factory: SessionFactory,
    clock: MutableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.dispatcher")
    slow_bot = await _bot(api, read_timeout=0.05)
    dispatcher = NotificationDispatcher(services, slow_bot, render_notification)
    resident = await _person(services, api, 1001)
    await _queue(services, resident, "k")
    api.delay(1.0, method="sendMessage")
    waits = []
    for _ in range(8):
        await dispatcher.run_once()
        row = await _only(session_factory)
        if row.status != "pending":
            break
        waits.append(row.next_attempt_at - clock.now())
        clock.current = row.next_attempt_at
    await slow_bot.shutdown()
    row = await _only(session_factory)
    assert (row.status, row.attempts) == ("failed", 8)
    assert row.last_error is not None and row.last_error.startswith("TimedOut")
    assert waits == [*BACKOFF, BACKOFF[-1], BACKOFF[-1]]
    assert len(api.calls_of("sendMessage")) == 8
    assert _sent_to(api, 1001) == []
    secret = settings.bot_token.partition(":")[2]
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.dispatcher"]
    assert ours and not any(secret in message for message in ours)
    assert secret not in row.last_error


async def test_a_blocked_bot_makes_the_person_inactive_and_skips_their_rows(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
) -> None:
    resident = await _person(services, api, 1001)
    neighbour = await _person(services, api, 1002)
    await _queue(services, resident, "k1")
    await _queue(services, neighbour, "k2")
    api.block(1001)
    await dispatcher.run_once()
    async with services.uow() as uow:
        person = await uow.people.get(resident)
        assert person is not None and not person.active
    blocked, other = await _rows(session_factory)
    assert (blocked.status, blocked.attempts) == ("skipped", 1)
    assert blocked.last_error is not None and "blocked" in blocked.last_error
    assert other.status == "sent"

    await _queue(services, resident, "k3")
    calls = len(api.calls_of("sendMessage"))
    await dispatcher.run_once()
    later = (await _rows(session_factory))[-1]
    assert (later.status, later.attempts) == ("skipped", 0)
    assert len(api.calls_of("sendMessage")) == calls  # not even tried


async def test_bad_requests_fail_at_once_and_people_without_a_chat_are_skipped(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
) -> None:
    unknown_chat = await _person(services, None, 1001)  # the fake has no such chat
    no_chat = await _person(services, None, 1002, chat_id=None)
    await _queue(services, unknown_chat, "k1")
    await _queue(services, no_chat, "k2")
    await dispatcher.run_once()
    failed, skipped = await _rows(session_factory)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error is not None and "chat not found" in failed.last_error.lower()
    assert (skipped.status, skipped.attempts) == ("skipped", 0)
    assert len(api.calls_of("sendMessage")) == 1


async def test_rows_that_cannot_be_rendered_fail_without_a_send(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
) -> None:
    resident = await _person(services, api, 1001)
    async with services.uow() as uow:
        # Written without notify's checks, as an older or newer version of the code might.
        now = services.clock.now()
        await uow.notifications.add(
            recipient_id=resident, kind="issue_rejected", payload={}, dedupe_key="a", now=now
        )
        await uow.notifications.add(
            recipient_id=resident, kind="meeting_moved", payload={}, dedupe_key="b", now=now
        )
        await uow.commit()
    await dispatcher.run_once()
    rows = await _rows(session_factory)
    assert [r.status for r in rows] == ["failed", "failed"]
    assert all(r.last_error and r.last_error.startswith("cannot render") for r in rows)
    assert api.calls_of("sendMessage") == []


# -- crashes, pacing, stopping --------------------------------------------------------------------


async def test_a_row_stuck_in_sending_is_sent_again_after_the_lease(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
    clock: MutableClock,
) -> None:
    """The one documented duplicate: a dispatcher died between sending and recording it."""
    resident = await _person(services, api, 1001)
    await _queue(services, resident, "k")
    async with services.uow() as uow:
        [crashed] = await uow.notifications.claim_due(
            now=clock.now(), limit=10, lease=timedelta(minutes=5)
        )
        await uow.commit()
    assert await dispatcher.run_once() == 0  # claimed by the dead dispatcher: left alone
    clock.advance(minutes=4, seconds=59)
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=1)
    assert await dispatcher.run_once() == 1
    row = await _only(session_factory)
    assert (row.status, row.attempts) == ("sent", 2)
    async with services.uow() as uow:
        # Had the first dispatcher only stalled, its late outcome would not overwrite this.
        assert not await uow.notifications.mark_sent(crashed, now=clock.now())


async def test_a_row_whose_sends_keep_crashing_is_given_up(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
    clock: MutableClock,
) -> None:
    resident = await _person(services, api, 1001)
    await _queue(services, resident, "k")
    for _ in range(8):
        async with services.uow() as uow:
            await uow.notifications.claim_due(now=clock.now(), limit=10, lease=timedelta(minutes=5))
            await uow.commit()
        clock.advance(minutes=5)
    await dispatcher.run_once()
    row = await _only(session_factory)
    assert (row.status, row.attempts) == ("failed", 9)
    assert api.calls_of("sendMessage") == []


async def test_one_push_per_second_per_chat(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
    clock: MutableClock,
) -> None:
    resident = await _person(services, api, 1001)
    neighbour = await _person(services, api, 1002)
    for key in ("a1", "a2", "a3"):
        await _queue(services, resident, key)
    await _queue(services, neighbour, "b1")
    start = clock.now()
    assert await dispatcher.run_once() == 4
    rows = {row.dedupe_key: row for row in await _rows(session_factory)}
    assert rows["a1"].status == "sent" and rows["b1"].status == "sent"
    assert rows["a2"].next_attempt_at == start + timedelta(seconds=1)
    assert rows["a3"].next_attempt_at == start + timedelta(seconds=2)
    assert (rows["a2"].status, rows["a2"].attempts) == ("pending", 0)
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=1)
    assert await dispatcher.run_once() == 1
    clock.advance(seconds=0.5)
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=0.5)
    assert await dispatcher.run_once() == 1
    rows = {row.dedupe_key: row for row in await _rows(session_factory)}
    sent = [rows[key].sent_at for key in ("a1", "a2", "a3")]
    assert sent == [start, start + timedelta(seconds=1), start + timedelta(seconds=2)]
    order = [key for text in _sent_to(api, 1001) for key in ("a1", "a2", "a3") if key in text]
    assert order == ["a1", "a2", "a3"]


async def test_stop_finishes_the_send_in_flight_and_leaves_the_rest_pending(
    services: Services, api: FakeBotApi, bot: Bot, session_factory: SessionFactory
) -> None:
    dispatcher = NotificationDispatcher(services, bot, render_notification, max_concurrent_sends=1)
    people = [await _person(services, api, 4000 + n) for n in range(3)]
    for n, person in enumerate(people):
        await _queue(services, person, f"k{n}")
    api.delay(0.3, method="sendMessage")
    await dispatcher.start()
    await api.wait_for_call("sendMessage")
    await dispatcher.stop()
    assert not dispatcher.running
    rows = await _rows(session_factory)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("pending", 0), ("pending", 0)]
    assert len(api.calls_of("sendMessage")) == 1
    api.delay(0, method="sendMessage")
    await dispatcher.start()
    try:

        async def all_sent() -> bool:
            return all(row.status == "sent" for row in await _rows(session_factory))

        await _eventually(all_sent)
    finally:
        await dispatcher.stop()
    assert len(api.calls_of("sendMessage")) == 3


# -- rendering ------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
# Meetings' kinds are rendered and checked in tests/handlers/test_meeting_notifications.py.
@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_every_kind_renders_in_every_locale_with_user_text_escaped(
    kind: NotificationKind, locale: str
) -> None:
    payload = PAYLOADS[kind]
    text, keyboard = render_notification(kind, payload, locale)
    plain, _entities = parse_html(text)  # Telegram's own check: it rejects unescaped text
    if kind in DELIBERATION_PAYLOADS:
        return  # the rest is checked in tests/handlers/test_outcome_notices.py
    for name, value in payload.items():
        if name not in NOT_SHOWN:
            assert str(value) in plain
    if kind is NotificationKind.CATCH_UP:
        assert "YS-2026-000002" in plain and "<i>已解决</i>" in plain  # escaped, not dropped
    if any(HOSTILE in str(value) for value in payload.values()):
        assert "&lt;/i&gt;" in text and "</i>" not in text
    if kind is NotificationKind.ISSUE_NEEDS_INFO:
        assert keyboard is not None
        [[button]] = keyboard.inline_keyboard
        assert button.callback_data == "ans:42"
    elif kind in (NotificationKind.NEW_ISSUE, NotificationKind.ISSUE_DIGEST):
        assert keyboard is not None  # open the issue, open the inbox
    elif kind is NotificationKind.ISSUE_ACCEPTED:
        assert keyboard is None
        supporter, _ = render_notification(kind, {**payload, "role": "supporter"}, locale)
        assert supporter != text  # "the issue you joined", not "your issue"
    else:
        assert keyboard is None


def test_default_categories_are_named_in_the_readers_language() -> None:
    payload = {
        "issue_number": "YS-2026-000005",
        "what": "category",
        "value": "环境保护",
        "role": "raiser",
    }
    english, _ = render_notification(NotificationKind.ISSUE_UPDATED, payload, "en")
    assert "Environmental protection" in english
    own = {**payload, "value": "<自定义> 类别"}
    text, _ = render_notification(NotificationKind.ISSUE_UPDATED, own, "en")
    assert "&lt;自定义&gt; 类别" in text


def test_long_texts_are_cut_to_fit_one_message() -> None:
    payload = {"issue_number": "YS-2026-000004", "question": "灯" * 5000, "question_id": 1}
    text, _ = render_notification(NotificationKind.ISSUE_NEEDS_INFO, payload, "zh_Hans")
    plain, _entities = parse_html(text)
    assert len(plain) < 4096
    assert "灯" * 1499 + "…" in plain and "灯" * 1500 not in plain


@pytest.mark.parametrize(("locale", "language_code"), [("zh_Hans", None), (None, "en-US")])
async def test_every_kind_goes_through_the_fake_api(
    services: Services,
    api: FakeBotApi,
    dispatcher: NotificationDispatcher,
    session_factory: SessionFactory,
    clock: MutableClock,
    locale: str | None,
    language_code: str | None,
) -> None:
    resident = await _person(services, api, 1001, locale=locale, language_code=language_code)
    for kind, payload in PAYLOADS.items():
        await _queue(services, resident, f"{kind}", kind=kind, payload=payload)
    for _ in PAYLOADS:
        await dispatcher.run_once()
        clock.advance(seconds=1)
    assert [row.status for row in await _rows(session_factory)] == ["sent"] * len(PAYLOADS)
    received = _sent_to(api, 1001)
    assert len(received) == len(PAYLOADS)
    assert all(
        HOSTILE in text
        for text in received
        if "YS-2026-000003" not in text and "YS-2026-000002" not in text
    )
    [question] = [m for m in api.messages(1001) if "是哪一根路灯" in str(m.payload.get("text"))]
    assert question.sent_markup is not None
    [[button]] = question.sent_markup["inline_keyboard"]
    assert button["callback_data"] == "ans:42"


# -- inside the application -----------------------------------------------------------------------


async def test_the_application_runs_a_dispatcher_that_handlers_can_wake(
    harness: Any, session_factory: SessionFactory
) -> None:
    app = harness.app
    dispatcher = dispatcher_of(app)
    assert dispatcher is not None and dispatcher.running
    user = harness.resident()
    resident = await _person(app.services, None, user.id)
    try:
        await _queue(app.services, resident, "YS-2026-000009")
        wake(app)
        message = await user.next_message(timeout=2.0)
        assert "YS-2026-000009" in (message.text or "")

        async def recorded() -> bool:
            return (await _only(session_factory)).status == "sent"

        await _eventually(recorded)
    finally:
        # The test harness drives start-up by hand and never runs post_stop.
        await stop_dispatcher(app)
    assert not dispatcher.running


async def test_a_photo_telegram_refuses_does_not_cost_the_words(
    services: Services, api: FakeBotApi, bot: Bot, session_factory: SessionFactory
) -> None:
    """An unknown or expired file id is a 400 on the photo: the text still goes out, once,
    and the row is sent (found against a third-party emulator that knows no such file)."""
    resident = await _person(services, api, 1001)

    def render(kind: str, payload: Mapping[str, Any], locale: str) -> RenderedPush:
        return RenderedPush("<b>进展</b>：已完成 50%", photos=("no-such-file",))

    dispatcher = NotificationDispatcher(services, bot, render)
    try:
        await _queue(services, resident, "progress-1")
        assert await dispatcher.run_once() == 1
    finally:
        await dispatcher.stop()
    assert [c.method for c in api.calls if c.method.startswith("send")] == [
        "sendPhoto",
        "sendMessage",
    ]
    assert "进展：已完成 50%" in _sent_to(api, 1001)
    assert (await _only(session_factory)).status == "sent"


async def test_a_week_of_daily_pushes_keeps_the_outbox_bounded(
    settings: Settings, session_factory: SessionFactory, clock: MutableClock
) -> None:
    """Settled rows go after the keep time: a week of a push a day to ten people leaves
    the last `keep` days of rows, not the week's."""
    keep_days, followers = 2, 10
    services = Services(
        settings=settings.model_copy(update={"outbox_keep_days": keep_days}),
        session_factory=session_factory,
        clock=clock,
    )
    api = FakeBotApi(token=settings.bot_token)
    people = [await _person(services, api, 7000 + i) for i in range(followers)]
    bot = await _bot(api)
    dispatcher = NotificationDispatcher(services, bot, render_notification)
    sizes = []
    for day in range(7):
        for person in people:
            await _queue(services, person, f"day-{day}-{person}")
        while await dispatcher.run_once():
            clock.advance(seconds=2)  # one push per second per chat
        await dispatcher.housekeep()
        rows = await _rows(session_factory)
        assert all(row.status == "sent" for row in rows)
        sizes.append(len(rows))
        clock.advance(days=1)
    await bot.shutdown()
    # Each day adds ten rows; from the keep time on, the rows of two days back go.
    assert sizes == [10, 20, 20, 20, 20, 20, 20]
