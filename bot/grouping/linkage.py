"""Average linkage over a sparse similarity graph, with must-link and cannot-link rules.

Average linkage (two groups merge while the mean score over all their member pairs is
at least the threshold) keeps a topic about one matter: "A is like B, B is like C" is
not enough. Pairs without an edge count as 0, so only the scored pairs are kept in
memory and a merge costs the size of two neighbour lists.

Staff corrections enter as constraints: must-linked issues start in one group, and a
cannot-link pair (a split, or two counties) keeps every group holding one of them apart
from every group holding the other, however similar the rest is.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

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


def _levels_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """False when, at some level both name, the two share no code."""
    for level in {s.split(":", 1)[0] for s in a} & {s.split(":", 1)[0] for s in b}:
        prefix = level + ":"
        if {s for s in a if s.startswith(prefix)}.isdisjoint(s for s in b if s.startswith(prefix)):
            return False
    return True


def average_linkage(
    n: int,
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    *,
    scopes: Sequence[frozenset[str]] | None = None,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
) -> list[list[int]]:
    """Groups of indices 0..n-1 (singletons included).

    ``scopes`` are per-issue sets of "level:code" (city:A, county:A5): two groups that
    both name codes of one level, and no code in common at that level, never merge.
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
    scope: dict[int, frozenset[str]] = {}
    if scopes is not None:
        for r, idxs in groups.items():
            scope[r] = frozenset().union(*(scopes[i] for i in idxs))
    forbid: dict[int, set[int]] = {r: set() for r in groups}
    for a, others in blocked.items():
        for b in others:
            forbid[root[a]].add(root[b])

    sums: dict[int, dict[int, float]] = {r: {} for r in groups}
    for i, j, s in zip(rows.tolist(), cols.tolist(), scores.tolist(), strict=True):
        a, b = root[i], root[j]
        if a != b:
            sums[a][b] = sums[a].get(b, 0.0) + s
            sums[b][a] = sums[b].get(a, 0.0) + s

    def allowed(a: int, b: int) -> bool:
        if b in forbid[a]:
            return False
        sa, sb = scope.get(a), scope.get(b)
        return not sa or not sb or _levels_agree(sa, sb)

    heap: list[tuple[float, int, int]] = []
    for a, nbrs in sums.items():
        for b, s in nbrs.items():
            if a < b:
                avg = s / (len(groups[a]) * len(groups[b]))
                if avg >= threshold and allowed(a, b):
                    heap.append((-avg, a, b))
    heapq.heapify(heap)
    next_id = n
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in groups or b not in groups:
            continue  # merged already; the new group has its own entries
        new = next_id
        next_id += 1
        groups[new] = groups.pop(a) + groups.pop(b)
        if scopes is not None:
            scope[new] = scope.pop(a) | scope.pop(b)
        forbid[new] = forbid.pop(a) | forbid.pop(b)
        for other in forbid[new]:
            forbid[other] -= {a, b}
            forbid[other].add(new)
        sa, sb = sums.pop(a), sums.pop(b)
        merged: dict[int, float] = {}
        for other, s in (*sa.items(), *sb.items()):
            if other not in (a, b):
                merged[other] = merged.get(other, 0.0) + s
        sums[new] = merged
        size = len(groups[new])
        for other, s in merged.items():
            nbrs = sums[other]
            nbrs.pop(a, None)
            nbrs.pop(b, None)
            nbrs[new] = s
            avg = s / (size * len(groups[other]))
            if avg >= threshold and allowed(new, other):
                heapq.heappush(heap, (-avg, other, new))
    return list(groups.values())
