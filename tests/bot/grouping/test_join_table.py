"""附议 offers on short, re-worded and Traditional repeats, and on near misses."""

from __future__ import annotations

from bot.grouping import JOIN_SUGGESTION_THRESHOLD, IssueDoc, SimilarityIndex
from tests.bot.grouping.join_table import join_rates, read_table

ORIGINAL = "东村村口的路灯坏了两个星期，晚上老人出门很不安全，请尽快修理。"


def test_table_has_every_kind_of_pair() -> None:
    rows = read_table()
    kinds = {row["kind"] for row in rows}
    assert len(rows) >= 60
    assert kinds == {
        "short",
        "reworded",
        "traditional",
        "same_place_other_matter",
        "other_place_same_matter",
    }


def test_offers_on_the_table() -> None:
    rates = join_rates(read_table())
    # Repeats typed in other words entirely (烂得不成样子 for 坑坑洼洼) share no n-gram
    # with the original; the rest are offered, and near misses never are.
    assert rates.offered_rate >= 0.6
    assert rates.precision >= 0.95


def test_the_reported_sentences_are_offered() -> None:
    rows = read_table()
    originals = {(r["village_a"], r["text_a"]) for r in rows}
    index = SimilarityIndex(
        IssueDoc(f"a{n}", "", text, village) for n, (village, text) in enumerate(sorted(originals))
    )
    target = next(f"a{n}" for n, (_, text) in enumerate(sorted(originals)) if text == ORIGINAL)
    for typed in (
        "东村村口路灯坏了，晚上一片漆黑。",
        "东村村口路灯坏了",
        "東村村口路燈壞了，晚上一片漆黑。",
    ):
        found = index.query("", typed, "东村", k=3, min_score=JOIN_SUGGESTION_THRESHOLD)
        assert target in {m.key for m in found}, typed
    # The same words from another village are not offered.
    found = index.query("", "西村村口路灯坏了", "西村", k=3, min_score=JOIN_SUGGESTION_THRESHOLD)
    assert target not in {m.key for m in found}
