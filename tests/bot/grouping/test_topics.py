"""Place and matter scored apart; must-link / cannot-link memory in the linkage."""

from __future__ import annotations

import numpy as np

from bot.grouping import IssueDoc, cluster
from bot.grouping.features import TopicFeatures
from bot.grouping.linkage import average_linkage
from bot.grouping.normalize import normalize_text
from bot.grouping.pairs import scored_pairs
from bot.grouping.places import segment
from bot.grouping.reading import anchored_names


def _names(title: str) -> list[str]:
    return anchored_names(segment(normalize_text(title)))


def test_a_name_without_place_suffix_is_read_after_the_district() -> None:
    assert "余乐贷" in "".join(_names("B2区余乐贷平台涉嫌诈骗，出借人血汗钱难追回"))
    assert _names("B市2018年出租车油补何时发放") == []  # a year is not a name


def _score(features: TopicFeatures, a: int, b: int) -> float:
    rows, cols, scores, _ = scored_pairs(features)
    for i, j, s in zip(rows.tolist(), cols.tolist(), scores.tolist(), strict=True):
        if {i, j} == {a, b}:
            return float(s)
    return 0.0


def test_place_and_matter_must_both_agree() -> None:
    docs = [
        IssueDoc("a", "B3区金桂苑小区临街烧烤店油烟扰民", "金桂苑小区楼下烧烤店每晚油烟直排"),
        IssueDoc("b", "B3区金桂苑小区楼下烧烤店深夜噪音", "金桂苑小区楼下烧烤店吵到凌晨，油烟也大"),
        # Same estate, other matter: the lift.
        IssueDoc("c", "B3区金桂苑小区电梯频繁故障", "金桂苑小区5栋电梯一周坏三次"),
        # Same template, another estate.
        IssueDoc("d", "B3区银湖湾小区临街烧烤店油烟扰民", "银湖湾小区楼下烧烤店每晚油烟直排"),
        *[IssueDoc(f"x{i}", f"B{i % 7}区某路段问题{i}", f"内容{i}") for i in range(20)],
    ]
    features = TopicFeatures.build(docs)
    same = _score(features, 0, 1)
    assert same > _score(features, 0, 2)
    assert _score(features, 0, 3) == 0.0
    groups = [set(c.members) for c in cluster(docs)]
    assert {"a", "b"} in groups


def test_cannot_link_keeps_groups_apart_and_must_link_joins() -> None:
    rows = np.array([0, 0, 1], dtype=np.int64)
    cols = np.array([1, 2, 2], dtype=np.int64)
    scores = np.array([0.9, 0.9, 0.9], dtype=np.float32)
    together = average_linkage(4, rows, cols, scores, 0.5)
    assert sorted(map(sorted, together)) == [[0, 1, 2], [3]]
    apart = average_linkage(4, rows, cols, scores, 0.5, cannot_link=[(0, 2)])
    assert not any({0, 2} <= set(g) for g in apart)
    joined = average_linkage(4, rows, cols, scores, 0.5, must_link=[(0, 3)])
    assert any({0, 3} <= set(g) for g in joined)


def test_two_counties_never_share_a_candidate() -> None:
    rows = np.array([0], dtype=np.int64)
    cols = np.array([1], dtype=np.int64)
    scores = np.array([1.0], dtype=np.float32)
    scopes = [frozenset({"county:B1"}), frozenset({"county:B2"})]
    assert len(average_linkage(2, rows, cols, scores, 0.5, scopes=scopes)) == 2
