"""Weighing opinions (agreement, division) and reading typed due dates."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.consensus import Tally, agreement, division, is_divisive
from bot.domain.due_dates import parse_due_date


def test_agreement_needs_both_a_high_share_and_enough_votes() -> None:
    one_of_one = agreement(Tally(agree=1))
    nineteen_of_twenty = agreement(Tally(agree=19, disagree=1))
    many_seen_half_liked = agreement(Tally(agree=30, disagree=30))
    assert nineteen_of_twenty > one_of_one
    assert nineteen_of_twenty > many_seen_half_liked
    assert agreement(Tally()) == 0.0
    # Passes count neither way.
    assert agreement(Tally(agree=5, disagree=1, passes=40)) == agreement(Tally(5, 1))
    assert 0.0 <= agreement(Tally(agree=100)) <= 1.0


@pytest.mark.parametrize(
    ("tally", "divisive"),
    [
        (Tally(agree=2, disagree=2), True),
        (Tally(agree=7, disagree=3), True),
        (Tally(agree=8, disagree=2), False),  # 20 % against: not a real split
        (Tally(agree=1, disagree=1), False),  # too few votes to tell
        (Tally(agree=0, disagree=6), False),
        (Tally(agree=3, disagree=3, passes=20), True),
    ],
)
def test_divisive_means_both_sides_hold(tally: Tally, divisive: bool) -> None:
    assert is_divisive(tally) is divisive


def test_an_even_wide_split_divides_more_than_a_narrow_one() -> None:
    assert division(Tally(10, 10)) > division(Tally(2, 2)) > division(Tally(3, 1))


TODAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12月20日", date(2026, 12, 20)),
        ("12月20号", date(2026, 12, 20)),
        ("2026-12-20", date(2026, 12, 20)),
        ("2026/12/20", date(2026, 12, 20)),
        ("2026年12月20日", date(2026, 12, 20)),
        ("１２月２０日", date(2026, 12, 20)),  # full-width digits
        (" 12-20 ", date(2026, 12, 20)),
        ("1月15日", date(2027, 1, 15)),  # typed in December: next January
        ("12月5日", date(2026, 12, 5)),  # today is still this year's
        ("2026-11-30", date(2026, 11, 30)),  # a year given is taken as given (then refused)
        ("2月30日", None),
        ("下周五", None),
        ("20", None),
        ("", None),
    ],
)
def test_due_dates_as_staff_type_them(text: str, expected: date | None) -> None:
    assert parse_due_date(text, TODAY) == expected
