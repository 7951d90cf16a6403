"""Proposing consultation topics (议题) from unassigned issues.

Pipeline: split every issue into where (names) and what (matter) (features.py); score
the pairs worth scoring, place and matter both required (pairs.py); merge by average
linkage, with staff corrections and counties as must-link / cannot-link rules
(linkage.py); describe each group in words staff can check (explain.py).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import numpy as np

from bot.grouping.explain import (
    key_terms,
    member_terms,
    member_words,
    shared_place,
    shared_village,
    suggest_title,
)
from bot.grouping.features import TopicFeatures
from bot.grouping.linkage import average_linkage
from bot.grouping.pairs import scored_pairs
from bot.grouping.types import Candidate, IssueDoc

# Average-linkage cut: two groups merge while the mean score over all their member
# pairs is at least this (pairs never scored count as 0). Chosen on the hand-checked
# topics of the reference data (bench/grouping.py, "gold-dev"); F1 there moves by less
# than 0.03 when the cut moves by 0.02 either way.
CLUSTER_THRESHOLD = 0.05
# Every merge needs one pair across the two groups scoring at least this (linkage.py):
# a topic grows from pairs that are clearly alike, never from weak ones alone.
STRONG_PAIR = 0.2

_REPRESENTATIVES = 3


def _candidate_key(keys: Sequence[str]) -> str:
    return "c" + hashlib.sha1(min(keys).encode("utf-8")).hexdigest()[:12]


def _dt_range(docs: Sequence[IssueDoc]) -> tuple[datetime | None, datetime | None]:
    times = [d.created_at for d in docs if d.created_at is not None]
    return (min(times), max(times)) if times else (None, None)


def _index_pairs(
    pairs: Iterable[tuple[str, str]], position: dict[str, int]
) -> list[tuple[int, int]]:
    """Key pairs as index pairs; pairs naming an issue not in this batch are skipped."""
    out: list[tuple[int, int]] = []
    for a, b in pairs:
        ia, ib = position.get(a), position.get(b)
        if ia is not None and ib is not None and ia != ib:
            out.append((ia, ib))
    return out


def cluster(
    docs: Sequence[IssueDoc],
    *,
    threshold: float = CLUSTER_THRESHOLD,
    strong: float = STRONG_PAIR,
    min_size: int = 2,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
) -> list[Candidate]:
    """Group unassigned issues into candidate topics.

    ``must_link`` / ``cannot_link`` are pairs of issue keys that staff put together or
    took apart; they hold whatever the scores say (a pair in both is kept apart).
    Issues that join no group are left out unless ``min_size`` is 1, in which case each
    becomes a size-1 candidate. Candidates are sorted by size, then by most recent
    member, then by key.
    """
    if not docs:
        return []
    keys = [d.key for d in docs]
    if len(set(keys)) != len(keys):
        raise ValueError("issue keys must be unique")
    # A canonical order makes ties break the same way whatever order the caller used,
    # so re-running over the same issues gives the same candidates and keys.
    docs = sorted(docs, key=lambda d: d.key)
    with _cycle_collector_paused():
        return _cluster(docs, threshold, strong, min_size, must_link, cannot_link)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while a regroup runs.

    A regroup makes tens of thousands of objects that stay (the readings of the texts,
    their place mentions) and no reference cycles. Each of those allocations counts
    towards the collector's next run, and its full runs walk every live object: three
    of them in a cold regroup of 10,000 issues, about a fifth of a second on the
    benchmark, all holding the interpreter lock. The objects made meanwhile are walked
    once at the end instead, as the next allocation would have done anyway. The switch
    is process-wide; if it was off already it is left alone.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def _cluster(
    docs: Sequence[IssueDoc],
    threshold: float,
    strong: float,
    min_size: int,
    must_link: Iterable[tuple[str, str]],
    cannot_link: Iterable[tuple[str, str]],
) -> list[Candidate]:
    """:func:`cluster` over issues in key order."""
    position = {d.key: i for i, d in enumerate(docs)}
    features = TopicFeatures.build(docs)
    n = len(features)
    rows, cols, scores, strong_scores = scored_pairs(features, strong)
    groups = average_linkage(
        n,
        rows,
        cols,
        scores,
        threshold,
        strong=strong,
        strong_scores=strong_scores,
        scopes=[p.counties for p in features.parts],
        must_link=_index_pairs(must_link, position),
        cannot_link=_index_pairs(cannot_link, position),
    )

    # Per-member centrality (sum of scores to fellow members) picks representatives.
    group_of = np.empty(n, dtype=np.int64)
    for g, idxs in enumerate(groups):
        group_of[idxs] = g
    inside = group_of[rows] == group_of[cols]
    centrality = np.zeros(n, dtype=np.float64)
    np.add.at(centrality, rows[inside], scores[inside])
    np.add.at(centrality, cols[inside], scores[inside])
    pair_sum = np.bincount(group_of[rows[inside]], weights=scores[inside], minlength=len(groups))

    out: list[Candidate] = []
    for g, idxs in enumerate(groups):
        if len(idxs) < min_size:
            continue
        idxs = sorted(idxs)
        members = [docs[i] for i in idxs]
        parts = [features.parts[i] for i in idxs]
        order = sorted(idxs, key=lambda i: (-centrality[i], docs[i].key))
        said = member_words(parts)
        words = key_terms(said)
        place = shared_place(parts)
        first_at, last_at = _dt_range(members)
        size = len(idxs)
        pairs = size * (size - 1) / 2
        ties = member_terms(parts, said) if size > 1 else [()]
        out.append(
            Candidate(
                key=_candidate_key([d.key for d in members]),
                members=tuple(d.key for d in members),
                size=size,
                villages=tuple(sorted({d.village for d in members if d.village is not None})),
                first_at=first_at,
                last_at=last_at,
                representatives=tuple(docs[i].key for i in order[:_REPRESENTATIVES]),
                # The village field is a key, not a name, so it stays out of the title.
                title=suggest_title(place, features.parts[order[0]], words),
                shared_place=place or shared_village([d.village for d in members]),
                key_terms=words,
                cohesion=round(float(pair_sum[g] / pairs), 4) if pairs else 1.0,
                member_terms=tuple((d.key, t) for d, t in zip(members, ties, strict=True)),
            )
        )
    out.sort(
        key=lambda c: (
            -c.size,
            -(c.last_at.timestamp() if c.last_at is not None else float("-inf")),
            c.key,
        )
    )
    return out
