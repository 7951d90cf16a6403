"""The incoming flood guard: a sliding window per chat, albums once, quiet to recover."""

from __future__ import annotations

from bot.services.flood import FloodGuard

CHAT = 7


def _admitted(guard: FloodGuard, times: list[float], key: int = CHAT) -> list[bool]:
    return [guard.arrive(key, now) for now in times]


def test_admits_up_to_the_limit_within_the_window() -> None:
    guard = FloodGuard(max_updates=3, window_seconds=10)
    assert _admitted(guard, [0.0, 1.0, 2.0, 3.0]) == [True, True, True, False]
    assert guard.flooding(CHAT, 3.0)
    assert not guard.flooding(CHAT + 1, 3.0)  # another chat is not held up
    assert guard.arrive(CHAT + 1, 3.0)


def test_the_window_slides() -> None:
    guard = FloodGuard(max_updates=3, window_seconds=10)
    assert _admitted(guard, [0.0, 1.0, 2.0]) == [True, True, True]
    assert guard.arrive(CHAT, 10.5)  # 0.0 left the window
    assert guard.arrive(CHAT, 11.5)  # 1.0 left it
    assert not guard.arrive(CHAT, 11.9)  # 2.0, 10.5 and 11.5 are inside


def test_an_arrival_exactly_one_window_old_still_counts() -> None:
    guard = FloodGuard(max_updates=2, window_seconds=10)
    assert _admitted(guard, [0.0, 5.0, 10.0]) == [True, True, False]


def test_an_album_counts_once() -> None:
    guard = FloodGuard(max_updates=2, window_seconds=10)
    album = [guard.arrive(CHAT, 0.1 * i, media_group="g1") for i in range(10)]
    assert album == [True] * 10
    assert guard.arrive(CHAT, 1.5)  # the second arrival: the album was one
    assert not guard.arrive(CHAT, 1.6)


def test_a_second_album_counts_again() -> None:
    guard = FloodGuard(max_updates=2, window_seconds=10)
    assert guard.arrive(CHAT, 0.0, media_group="g1")
    assert guard.arrive(CHAT, 0.1, media_group="g1")
    assert guard.arrive(CHAT, 0.2, media_group="g2")
    assert not guard.arrive(CHAT, 0.3, media_group="g3")


def test_flooding_lasts_until_a_whole_window_is_quiet() -> None:
    guard = FloodGuard(max_updates=2, window_seconds=10)
    assert _admitted(guard, [0.0, 0.1, 0.2]) == [True, True, False]  # flooding until 10.2
    assert guard.flooding(CHAT, 10.1)
    assert not guard.arrive(CHAT, 9.0)  # still flooding: now until 19.0
    assert not guard.arrive(CHAT, 18.9)  # and again: until 28.9
    assert guard.flooding(CHAT, 28.8)
    assert not guard.flooding(CHAT, 28.9)
    # Quiet for a whole window: a fresh start, the flood's arrivals are not held against it.
    assert _admitted(guard, [28.9, 29.0, 29.1]) == [True, True, False]


def test_an_album_of_a_flooding_chat_is_dropped() -> None:
    guard = FloodGuard(max_updates=1, window_seconds=10)
    assert guard.arrive(CHAT, 0.0, media_group="g1")
    assert not guard.arrive(CHAT, 0.1)
    assert not guard.arrive(CHAT, 0.2, media_group="g2")
    assert not guard.arrive(CHAT, 0.3, media_group="g2")


def test_warns_once_per_flood() -> None:
    guard = FloodGuard(max_updates=1, window_seconds=10)
    assert not guard.should_warn(CHAT)  # an unknown chat
    assert _admitted(guard, [0.0, 0.1, 0.2, 0.3]) == [True, False, False, False]
    assert [guard.should_warn(CHAT) for _ in range(3)] == [True, False, False]
    # Quiet, then a new flood: warned again, once.
    assert _admitted(guard, [20.0, 20.1]) == [True, False]
    assert [guard.should_warn(CHAT) for _ in range(2)] == [True, False]


def _chats(guard: FloodGuard) -> set[int]:
    return set(guard._chats)


def test_the_sweep_forgets_chats_quiet_for_a_window() -> None:
    guard = FloodGuard(max_updates=1, window_seconds=10)
    assert guard.arrive(1, 0.0)  # then goes quiet
    assert _admitted(guard, [0.0, 0.1, 9.0], key=2) == [True, False, False]  # floods until 19
    assert guard.arrive(3, 14.5)  # recent
    # The sweep runs every 1000 arrivals; chat 4 makes up the count.
    for index in range(1000 - 5 - 1):
        guard.arrive(4, 15.0 + index * 0.001)
    assert _chats(guard) == {1, 2, 3, 4}
    guard.arrive(4, 16.0)  # the 1000th arrival: the sweep runs at 16.0
    assert _chats(guard) == {2, 3, 4}
    assert not guard.arrive(2, 16.1)  # a flooding chat is kept, and still turned away
    assert guard.flooding(2, 16.1)


def test_the_third_copy_of_the_same_text_starts_a_flood() -> None:
    guard = FloodGuard(max_updates=30, window_seconds=10)
    assert guard.arrive(1, 0.0, text="路灯坏了")
    assert guard.arrive(1, 0.1, text="路灯坏了")  # a double send is fine
    assert not guard.arrive(1, 0.2, text="路灯坏了")
    assert guard.flooding(1, 0.3) and guard.should_warn(1)
    # Different texts, or the same one after a quiet window, are not repeats.
    assert guard.arrive(2, 0.0, text="一")
    assert guard.arrive(2, 0.1, text="二")
    assert guard.arrive(2, 0.2, text="一")
    assert guard.arrive(3, 0.0, text="好")
    assert guard.arrive(3, 0.1, text="好")
    assert guard.arrive(3, 20.0, text="好")


def test_arrivals_at_other_processes_count() -> None:
    # Several processes: this one saw one update, the database counts four (this one too).
    guard = FloodGuard(max_updates=3, window_seconds=10)
    assert guard.arrive(CHAT, 0.0)
    guard.arrived_everywhere(CHAT, 3, 1.0)
    assert guard.arrive(CHAT, 1.0)  # two before it: admitted
    guard.arrived_everywhere(CHAT, 4, 2.0)
    assert not guard.arrive(CHAT, 2.0)  # three before it: a flood
    assert guard.flooding(CHAT, 2.0)


def test_an_old_count_from_other_processes_is_not_used() -> None:
    guard = FloodGuard(max_updates=3, window_seconds=10)
    guard.arrived_everywhere(CHAT, 10, 0.0)
    assert guard.arrive(CHAT, 5.0)  # the count was for another update, seconds ago
