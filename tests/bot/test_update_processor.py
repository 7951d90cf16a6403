"""ChatOrderedProcessor: one chat's updates in order, chats concurrently, a fair running limit."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Coroutine
from datetime import UTC, datetime
from typing import Any

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.update_processor import ChatOrderedProcessor, ordering_key

DATE = datetime(2026, 3, 2, tzinfo=UTC)
_ids = iter(range(1, 1_000_000))


def update_in(chat_id: int) -> Update:
    number = next(_ids)
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(number, message=Message(number, DATE, chat, text=f"#{number}"))


class Work:
    """Coroutines that record when they start and finish, and wait to be released."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self._gates: dict[str, asyncio.Event] = {}

    def job(self, name: str, *, hold: bool = False) -> Coroutine[Any, Any, None]:
        gate = self._gates.setdefault(name, asyncio.Event())
        if not hold:
            gate.set()

        async def run() -> None:
            self.started.append(name)
            await gate.wait()
            self.finished.append(name)

        return run()

    def release(self, name: str) -> None:
        self._gates[name].set()


async def settle() -> None:
    """Let every task that can run, run (each step is a few scheduler turns)."""
    for _ in range(20):
        await asyncio.sleep(0)


def submit(processor: ChatOrderedProcessor, update: object, job: Awaitable[Any]) -> asyncio.Task:
    return asyncio.create_task(processor.process_update(update, job))


async def test_updates_of_one_chat_run_in_order() -> None:
    processor, work = ChatOrderedProcessor(max_running=8), Work()
    tasks = [submit(processor, update_in(1), work.job("a1", hold=True))]
    tasks += [submit(processor, update_in(1), work.job(name)) for name in ("a2", "a3", "a4")]
    await settle()
    assert work.started == ["a1"]  # the rest wait for the chat's turn
    work.release("a1")
    await asyncio.gather(*tasks)
    assert work.started == work.finished == ["a1", "a2", "a3", "a4"]


async def test_different_chats_run_concurrently() -> None:
    processor, work = ChatOrderedProcessor(max_running=8), Work()
    slow = submit(processor, update_in(1), work.job("a", hold=True))
    await settle()
    await submit(processor, update_in(2), work.job("b"))  # done while chat 1 still works
    assert work.finished == ["b"]
    work.release("a")
    await slow
    assert work.finished == ["b", "a"]


async def test_the_running_limit_holds() -> None:
    processor, work = ChatOrderedProcessor(max_running=2), Work()
    tasks = [
        submit(processor, update_in(chat), work.job(f"c{chat}", hold=True)) for chat in (1, 2, 3)
    ]
    await settle()
    assert work.started == ["c1", "c2"]  # the third chat waits for a slot
    work.release("c2")
    await settle()
    assert work.started == ["c1", "c2", "c3"]
    work.release("c1")
    work.release("c3")
    await asyncio.gather(*tasks)


async def test_a_busy_chat_does_not_use_up_the_slots() -> None:
    processor, work = ChatOrderedProcessor(max_running=2), Work()
    # Chat 1 sends many updates while its first one is slow: they wait for the chat's turn
    # without holding a running slot, so chat 2 still gets one.
    busy = [submit(processor, update_in(1), work.job("a0", hold=True))]
    busy += [submit(processor, update_in(1), work.job(f"a{i}")) for i in range(1, 10)]
    await settle()
    await asyncio.wait_for(submit(processor, update_in(2), work.job("b")), timeout=1)
    assert work.started == ["a0", "b"]
    work.release("a0")
    await asyncio.gather(*busy)
    assert work.finished == ["b", *[f"a{i}" for i in range(10)]]


async def test_locks_of_idle_chats_are_forgotten() -> None:
    processor, work = ChatOrderedProcessor(max_running=4), Work()
    tasks = [
        submit(processor, update_in(1), work.job("a1", hold=True)),
        submit(processor, update_in(1), work.job("a2")),
        submit(processor, update_in(2), work.job("b1")),
    ]
    await settle()
    assert set(processor._locks) == {1}  # chat 2 is done already; chat 1 has two waiting
    assert processor._waiting == {1: 2}
    work.release("a1")
    await asyncio.gather(*tasks)
    assert processor._locks == {}
    assert processor._waiting == {}


async def test_updates_without_a_chat_run_unordered_within_the_limit() -> None:
    processor, work = ChatOrderedProcessor(max_running=1), Work()
    held = submit(processor, object(), work.job("x1", hold=True))
    queued = submit(processor, object(), work.job("x2"))
    await settle()
    assert work.started == ["x1"]  # no chat, but still one of the running slots
    work.release("x1")
    await asyncio.gather(held, queued)
    assert work.finished == ["x1", "x2"]
    assert processor._locks == {}


def test_the_ordering_key_is_the_chat_then_the_user() -> None:
    user = User(55, "王阿姨", is_bot=False)
    query = CallbackQuery("q", user, "instance", data="x")
    assert ordering_key(update_in(9)) == 9
    assert ordering_key(Update(1, callback_query=query)) == 55  # no message: the user
    assert ordering_key(Update(2)) is None
    assert ordering_key(object()) is None


async def test_around_wraps_every_update() -> None:
    processor, work = ChatOrderedProcessor(max_running=2), Work()
    seen: list[tuple[object, str]] = []

    async def around(update: object, coroutine: Awaitable[Any]) -> None:
        seen.append((update, "before"))
        await coroutine
        seen.append((update, "after"))

    processor.around = around
    update = update_in(3)
    await processor.process_update(update, work.job("a"))
    assert seen == [(update, "before"), (update, "after")]
    assert work.finished == ["a"]


class Gate:
    def __init__(self) -> None:
        self.admitting = True
        self.still = True
        self.turned: list[Update] = []

    def admit(self, key: int, update: Update, now: float) -> bool:
        return self.admitting

    def still_admitted(self, key: int, now: float) -> bool:
        return self.still

    async def turned_away(self, update: Update) -> None:
        self.turned.append(update)


async def test_an_update_turned_away_on_arrival_is_closed_unstarted() -> None:
    processor, work, gate = ChatOrderedProcessor(max_running=2), Work(), Gate()
    processor.gate = gate
    gate.admitting = False
    update = update_in(1)
    job = work.job("a")
    await processor.process_update(update, job)
    assert inspect.getcoroutinestate(job) == inspect.CORO_CLOSED
    assert work.started == []
    assert gate.turned == [update]
    assert processor._locks == {}  # it never queued


async def test_waiting_updates_are_turned_away_once_the_chat_floods() -> None:
    processor, work, gate = ChatOrderedProcessor(max_running=2), Work(), Gate()
    processor.gate = gate
    first = submit(processor, update_in(1), work.job("a1", hold=True))
    waiting_update = update_in(1)
    waiting_job = work.job("a2")
    waiting = submit(processor, waiting_update, waiting_job)
    await settle()
    gate.still = False  # the chat started flooding while a2 waited for its turn
    work.release("a1")
    await asyncio.gather(first, waiting)
    assert work.started == ["a1"]
    assert inspect.getcoroutinestate(waiting_job) == inspect.CORO_CLOSED
    assert gate.turned == [waiting_update]
    assert processor._locks == {}
