"""The 附议 table: short, re-worded and Traditional repeats and near misses, scored."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bot.grouping import JOIN_SUGGESTION_THRESHOLD, IssueDoc, SimilarityIndex

TABLE = Path(__file__).with_name("data") / "join_pairs.csv"
UNRELATED_SCORE = 0.1


@dataclass(frozen=True)
class JoinRates:
    repeats: int
    offered: int  # true repeats whose original was offered
    offers: int  # every offer made, over all rows
    right: int  # offers of the row's original on a true repeat
    # True repeats whose original scores under UNRELATED_SCORE: written in other words
    # entirely (烂得不成样子 for 坑坑洼洼), out of reach of any cut.
    unreachable: int = 0

    @property
    def offered_rate(self) -> float:
        return self.offered / self.repeats if self.repeats else 0.0

    @property
    def precision(self) -> float:
        return self.right / self.offers if self.offers else 1.0


def read_table(path: Path = TABLE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def join_rates(
    rows: list[dict[str, str]], threshold: float = JOIN_SUGGESTION_THRESHOLD
) -> JoinRates:
    """Index every original (as typed in chat: no title), query every second message."""
    originals: dict[tuple[str, str], str] = {}
    for row in rows:
        originals.setdefault((row["village_a"], row["text_a"]), f"a{len(originals)}")
    index = SimilarityIndex(
        IssueDoc(key, "", text, village) for (village, text), key in originals.items()
    )
    repeats = offered = offers = right = unreachable = 0
    for row in rows:
        target = originals[(row["village_a"], row["text_a"])]
        found = index.query("", row["text_b"], row["village_b"], k=3)
        keys = {m.key for m in found if m.score >= threshold}
        offers += len(keys)
        if row["offer"] == "1":
            repeats += 1
            if target in keys:
                offered += 1
                right += 1
            if max((m.score for m in found if m.key == target), default=0.0) < UNRELATED_SCORE:
                unreachable += 1
    return JoinRates(repeats, offered, offers, right, unreachable)
