"""Average linkage over a sparse similarity graph, with must-link and cannot-link rules.

Average linkage (two groups merge while the mean score over all their member pairs is
at least the threshold) keeps a topic about one matter: "A is like B, B is like C" is
not enough. Pairs without an edge count as 0, so only the scored pairs are kept in
memory and a merge costs the size of two neighbour lists.

A low mean is right for large topics, whose members are reworded many ways and are
each close to only a few others, but for two issues alone it would let one weak pair
(a stray shared phrase) make a topic. So every merge also needs one pair across the
two groups that is clearly alike on its own (``strong``): groups grow from confident
pairs, and the mean decides how far.

Staff corrections enter as constraints: must-linked issues start in one group, and a
cannot-link pair (a split, or two counties) keeps every group holding one of them apart
from every group holding the other, however similar the rest is.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np


class _Groups:
    """Union-find over issue indices, used to apply must-links before the linkage."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i


@lru_cache(maxsize=4096)
def _levels_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """False when, at some level both name, the two share no code."""
    for level in {s.split(":", 1)[0] for s in a} & {s.split(":", 1)[0] for s in b}:
        prefix = level + ":"
        if {s for s in a if s.startswith(prefix)}.isdisjoint(s for s in b if s.startswith(prefix)):
            return False
    return True


def _tallies(
    root: Sequence[int],
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    strong_scores: np.ndarray | None,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of distinct starting groups as sorted keys (low * n + high), with the sum of
    their pairs' scores and their best strong score (at least 0).

    The sums are float64, added in the order of the pairs, as a loop would add them.
    """
    group = np.asarray(root, dtype=np.int64)
    a, b = group[rows], group[cols]
    apart = a != b
    low, high = np.minimum(a, b)[apart], np.maximum(a, b)[apart]
    between, which = np.unique(low * n + high, return_inverse=True)
    sum_of = np.bincount(which, weights=scores[apart], minlength=len(between))
    tops = scores if strong_scores is None else strong_scores
    peak_of = np.zeros(len(between), dtype=np.float64)
    np.maximum.at(peak_of, which, tops[apart].astype(np.float64))
    return between, sum_of, peak_of


def average_linkage(
    n: int,
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    *,
    strong: float = 0.0,
    strong_scores: np.ndarray | None = None,
    scopes: Sequence[frozenset[str]] | None = None,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
) -> list[list[int]]:
    """Groups of indices 0..n-1 (singletons included).

    ``strong``: the best pair across two groups must score at least this for them to
    merge, scored by ``strong_scores`` when given (0 for a pair that may not start a
    topic however high its score). ``scopes`` are per-issue sets of "level:code"
    (city:A, county:A5): two groups that both name codes of one level, and no code in
    common at that level, never merge.
    A must-link that would join a cannot-link pair is ignored: a later split is the
    newer word of staff.
    """
    blocked: dict[int, set[int]] = {}
    for a, b in cannot_link:
        if a != b:
            blocked.setdefault(a, set()).add(b)
            blocked.setdefault(b, set()).add(a)

    uf = _Groups(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    for a, b in must_link:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb or any(blocked.get(x, set()) & set(members[rb]) for x in members[ra]):
            continue
        uf.parent[rb] = ra
        members[ra].extend(members.pop(rb))

    root = [uf.find(i) for i in range(n)]
    groups: dict[int, list[int]] = {r: members[r] for r in members}
    # Only groups that name a district or carry a cannot-link have entries here: most
    # have neither, and the checks below then cost one dictionary miss.
    scope: dict[int, frozenset[str]] = {}
    if scopes is not None:
        for r, idxs in groups.items():
            # Most groups start as one issue: its own set, not a copy.
            named = scopes[r] if len(idxs) == 1 else frozenset().union(*(scopes[i] for i in idxs))
            if named:
                scope[r] = named
    forbid: dict[int, set[int]] = {}
    for a, others in blocked.items():
        for b in others:
            forbid.setdefault(root[a], set()).add(root[b])
    nothing: frozenset[int] = frozenset()
    unnamed: frozenset[str] = frozenset()

    # Score sums and best pairs between the starting groups, tallied with numpy in
    # the order the pairs come (so every sum is added up exactly as pair by pair).
    between, sum_of, peak_of = _tallies(root, rows, cols, scores, strong_scores, n)
    low, high = between // n, between % n
    sums: dict[int, dict[int, float]] = {r: {} for r in groups}
    # Best single pair between two groups, kept beside the sums (same keys; a missing
    # entry reads as 0).
    peaks: dict[int, dict[int, float]] = {r: {} for r in groups}
    for a, b, s, t in zip(
        low.tolist(), high.tolist(), sum_of.tolist(), peak_of.tolist(), strict=True
    ):
        sums[a][b] = sums[b][a] = s
        if t > 0.0:
            peaks[a][b] = peaks[b][a] = t

    def allowed(a: int, b: int) -> bool:
        if b in forbid.get(a, nothing):
            return False
        sa, sb = scope.get(a), scope.get(b)
        return sa is None or sb is None or _levels_agree(sa, sb)

    size_of = np.bincount(root, minlength=n)  # at each group's root, its size
    avg_of = sum_of / (size_of[low] * size_of[high])
    ready = (avg_of >= threshold) & (peak_of >= strong)
    # Only pairs with a group under some rule need the check; most have none.
    ruled = np.zeros(n, dtype=bool)
    ruled[[*scope, *forbid]] = True
    checked = np.flatnonzero(ready & ruled[low] & ruled[high])
    ready[checked] = [
        allowed(a, b) for a, b in zip(low[checked].tolist(), high[checked].tolist(), strict=True)
    ]
    kept = np.flatnonzero(ready)
    heap: list[tuple[float, int, int]] = list(
        zip((-avg_of[kept]).tolist(), low[kept].tolist(), high[kept].tolist(), strict=True)
    )
    heapq.heapify(heap)
    next_id = n
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in groups or b not in groups:
            continue  # merged already; the new group has its own entries
        new = next_id
        next_id += 1
        groups[new] = groups.pop(a) + groups.pop(b)
        named = scope.pop(a, unnamed) | scope.pop(b, unnamed)
        if named:
            scope[new] = named
        kept_apart = forbid.pop(a, set()) | forbid.pop(b, set())
        if kept_apart:
            forbid[new] = kept_apart
            for other in kept_apart:
                forbid[other] -= {a, b}
                forbid[other].add(new)
        # The merged group's sums and best pairs: a's, then b's added in (without
        # the two themselves). A best pair of 0 may stay; it reads as a missing one.
        merged = sums.pop(a)
        sb = sums.pop(b)
        merged.pop(b, None)
        for other, s in sb.items():
            if other != a:
                merged[other] = merged[other] + s if other in merged else s
        best = peaks.pop(a)
        pb = peaks.pop(b)
        best.pop(b, None)
        for other, s in pb.items():
            if other != a and s > best.get(other, 0.0):
                best[other] = s
        sums[new] = merged
        peaks[new] = best
        size = len(groups[new])
        for other, s in merged.items():
            nbrs = sums[other]
            nbrs.pop(a, None)
            nbrs.pop(b, None)
            nbrs[new] = s
            their = peaks[other]
            their.pop(a, None)
            their.pop(b, None)
            peak = their[new] = best.get(other, 0.0)
            avg = s / (size * len(groups[other]))
            if avg >= threshold and peak >= strong and allowed(new, other):
                heapq.heappush(heap, (-avg, other, new))
    return list(groups.values())
