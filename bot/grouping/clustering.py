"""Proposing consultation topics (议题) from unassigned issues.

Pipeline: analyse every issue; find each issue's nearest neighbours by title with a
sparse product computed in row blocks (no dense n x n matrix); score those pairs with
matter similarity and place/village evidence; take the connected components of pairs
above the threshold (small), score every pair inside each component exactly, and merge
by average linkage there. Average linkage (mean score over all member pairs) keeps a
topic about one matter: a chain of "A is like B, B is like C" is not enough.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from bot.grouping._corpus import Corpus
from bot.grouping._vectors import word_bucket
from bot.grouping.analysis import Analysis
from bot.grouping.places import PlaceMention, core_containment
from bot.grouping.scoring import SAME_PLACE_CONTAINMENT
from bot.grouping.types import Candidate, IssueDoc

# Average-linkage cut: two groups merge while their mean pairwise score is at least
# this. On the hot-issue data (bench/grouping.py) 0.30-0.35 keep 0 % of the
# same-place-other-matter pairs together; going from 0.35 down to 0.30 adds a few
# points of recall against the reference groupings but doubles the share of grouped
# pairs whose gold categories differ on the labelled messages (2 % -> 4 %). Staff
# merge two candidates about the same place more easily than they split a mixed one.
CLUSTER_THRESHOLD = 0.35

# Candidate generation: neighbours per issue and the matter cosine below which a pair is
# not worth scoring. Both only bound the work; the threshold above decides.
_NEIGHBOURS = 10
_MIN_MATTER = 0.1
# Pairs scoring below this are left out of the graph (they would only lower averages
# by a negligible amount and cost memory).
_MIN_EDGE = 0.12
_BLOCK_ROWS = 512
# Terms present in more than this share of issues (问题, 小区) make the candidate product
# nearly dense while adding little to cosine; they are ignored when *finding*
# neighbours, and the exact cosine is computed afterwards.
_COMMON_TERM_SHARE = 0.04

_MAX_KEY_TERMS = 5
_REPRESENTATIVES = 3


def _neighbour_pairs(matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (i < j) from approximate top neighbours of every row."""
    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    limit = max(20, int(_COMMON_TERM_SHARE * n))
    common = df > limit
    # Only the term-major copy is kept whole; row blocks are pruned as they are used.
    by_term = _without(matrix, common).T.tocsr()
    rows_out: list[np.ndarray] = []
    cols_out: list[np.ndarray] = []
    for start in range(0, n, _BLOCK_ROWS):
        block = (_without(matrix[start : start + _BLOCK_ROWS], common) @ by_term).tocsr()
        for r in range(block.shape[0]):
            lo, hi = block.indptr[r], block.indptr[r + 1]
            cols = block.indices[lo:hi]
            vals = block.data[lo:hi]
            ok = (vals >= _MIN_MATTER * 0.5) & (cols != start + r)
            cols, vals = cols[ok], vals[ok]
            if len(cols) > _NEIGHBOURS:
                top = np.argpartition(-vals, _NEIGHBOURS)[:_NEIGHBOURS]
                cols = cols[top]
            rows_out.append(np.full(len(cols), start + r, dtype=np.int64))
            cols_out.append(cols.astype(np.int64))
    if not rows_out:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    rows = np.concatenate(rows_out)
    cols = np.concatenate(cols_out)
    lo_ = np.minimum(rows, cols)
    hi_ = np.maximum(rows, cols)
    pairs = np.unique(lo_ * n + hi_)
    return pairs // n, pairs % n


def _without(m: sp.csr_matrix, drop: np.ndarray) -> sp.csr_matrix:
    """Copy of ``m`` without the columns flagged in ``drop``."""
    keep = ~drop[m.indices]
    row_of = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    indptr = np.searchsorted(row_of[keep], np.arange(m.shape[0] + 1))
    return sp.csr_matrix((m.data[keep], m.indices[keep], indptr), shape=m.shape)


def _exact_cosines(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.float32)
    step = 5_000  # gathered rows hold ~300 entries each: keep temporaries small
    for s in range(0, len(rows), step):
        prod = matrix[rows[s : s + step]].multiply(matrix[cols[s : s + step]])
        out[s : s + step] = np.asarray(prod.sum(axis=1)).ravel()
    return out


def _average_linkage(
    corpus: Corpus, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, threshold: float
) -> tuple[list[list[int]], np.ndarray, np.ndarray, np.ndarray]:
    """Clusters from average linkage, singletons included, plus the exact in-group pairs.

    A merge needs a mean of at least the threshold, hence at least one pair above it, so
    clusters never cross components of the above-threshold neighbour graph. Those
    components are small, and inside each one every pair is scored exactly: with only
    the nearest-neighbour pairs, missing pairs would count as 0 and large topics (dozens
    of petitions about one construction site) could never come together.
    """
    n = len(corpus)
    strong = scores >= threshold
    graph = sp.coo_matrix((np.ones(int(strong.sum())), (rows[strong], cols[strong])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    members: dict[int, list[int]] = {}
    for i, c in enumerate(comp.tolist()):
        members.setdefault(c, []).append(i)
    multi = [nodes for nodes in members.values() if len(nodes) > 1]
    result = [nodes for nodes in members.values() if len(nodes) == 1]
    in_rows, in_cols, in_scores = _component_pairs(corpus, multi)
    by_comp: dict[int, list[tuple[int, int, float]]] = {}
    for i, j, s in zip(in_rows.tolist(), in_cols.tolist(), in_scores.tolist(), strict=True):
        by_comp.setdefault(int(comp[i]), []).append((i, j, s))
    for nodes in multi:
        result.extend(_link_component(nodes, by_comp.get(int(comp[nodes[0]]), []), threshold))
    return result, in_rows, in_cols, in_scores


def _component_pairs(
    corpus: Corpus, components: list[list[int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair inside the components with its combined score (weak pairs dropped)."""
    a_parts: list[np.ndarray] = []
    b_parts: list[np.ndarray] = []
    for nodes in components:
        idx = np.asarray(nodes, dtype=np.int64)
        a, b = np.triu_indices(len(idx), k=1)
        a_parts.append(idx[a])
        b_parts.append(idx[b])
    if not a_parts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float32)
    rows = np.concatenate(a_parts)
    cols = np.concatenate(b_parts)
    m = _exact_cosines(corpus.matrix, rows, cols)
    keep = m >= _MIN_MATTER
    rows, cols, m = rows[keep], cols[keep], m[keep]
    scores = corpus.pair_scores(rows, cols, m)
    ok = scores >= _MIN_EDGE
    return rows[ok], cols[ok], scores[ok]


def _link_component(
    nodes: list[int], edges: list[tuple[int, int, float]], threshold: float
) -> list[list[int]]:
    """Average linkage inside one component; pairs without an edge count as 0.

    Keeps, per group, the sum of scores to every neighbouring group, so a merge costs
    the size of the two neighbour lists rather than a pass over all pairs.
    """
    groups: dict[int, list[int]] = {i: [i] for i in nodes}
    sums: dict[int, dict[int, float]] = {i: {} for i in nodes}
    for i, j, s in edges:
        sums[i][j] = sums[i].get(j, 0.0) + s
        sums[j][i] = sums[j].get(i, 0.0) + s
    heap: list[tuple[float, int, int]] = []
    for i in nodes:
        for j, s in sums[i].items():
            if i < j and s >= threshold:
                heapq.heappush(heap, (-s, i, j))
    next_id = max(nodes) + 1
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in groups or b not in groups:
            continue  # one side was merged already; its new group has its own entries
        if -neg < threshold:
            break
        merged = groups.pop(a) + groups.pop(b)
        sa, sb = sums.pop(a), sums.pop(b)
        new_sums: dict[int, float] = {}
        for other, s in (*sa.items(), *sb.items()):
            if other in (a, b):
                continue
            new_sums[other] = new_sums.get(other, 0.0) + s
        new = next_id
        next_id += 1
        groups[new] = merged
        sums[new] = new_sums
        for other, s in new_sums.items():
            osums = sums[other]
            osums.pop(a, None)
            osums.pop(b, None)
            osums[new] = s
            avg = s / (len(merged) * len(groups[other]))
            if avg >= threshold:
                heapq.heappush(heap, (-avg, min(new, other), max(new, other)))
    return list(groups.values())


def _candidate_key(keys: Sequence[str]) -> str:
    return "c" + hashlib.sha1(min(keys).encode("utf-8")).hexdigest()[:12]


def _shared_place(analyses: Sequence[Analysis]) -> str | None:
    """The place named by most members, if at least two and half of them name it."""
    per_member: list[list[PlaceMention]] = [list(a.all_sites) for a in analyses]
    texts: Counter[str] = Counter()
    cores: dict[str, str] = {}
    for ms in per_member:
        for m in {m.core: m for m in ms}.values():
            texts[m.text] += 1
            cores[m.text] = m.core
    best: tuple[int, int, str] | None = None
    for text, _ in texts.most_common(12):
        core = cores[text]
        covered = sum(
            1
            for ms in per_member
            if any(core_containment(core, m.core) >= SAME_PLACE_CONTAINMENT for m in ms)
        )
        cand = (covered, texts[text], text)
        if best is None or cand > best:
            best = cand
    if best is not None and best[0] >= 2 and best[0] * 2 >= len(analyses):
        return best[2]
    return None


def _shared_village(villages: Sequence[str | None]) -> str | None:
    present = [v for v in villages if v is not None]
    if present and len(set(present)) == 1 and len(present) * 2 >= len(villages):
        return present[0]
    return None


def _key_terms(analyses: Sequence[Analysis], idf: np.ndarray) -> tuple[str, ...]:
    counts: Counter[str] = Counter()
    for a in analyses:
        counts.update(t for t in a.terms if len(t) >= 2)
    need = 2 if len(analyses) > 1 else 1
    ranked = sorted(
        (t for t, c in counts.items() if c >= need),
        key=lambda t: (-counts[t] * float(idf[word_bucket(t)]), t),
    )
    return tuple(ranked[:_MAX_KEY_TERMS])


_TITLE_NOISE = (
    "投诉",
    "举报",
    "反映",
    "反应",
    "关于",
    "咨询",
    "请问",
    "请求",
    "恳请",
    "建议",
    "希望",
    "要求",
)


def _matter_phrase(a: Analysis) -> str:
    """The central member's title without places, codes and complaint framing."""
    text = a.title
    for m in sorted(a.title_mentions, key=lambda m: -m.start):
        text = text[: m.start] + text[m.end :]
    text = text.strip(" ,.!?;:，。！？；：、“”\"'()（）")
    changed = True
    while changed:
        changed = False
        for w in _TITLE_NOISE:
            if text.startswith(w):
                text = text[len(w) :].lstrip(" ,，:：")
                changed = True
    for tail in ("的问题", "问题", "的投诉", "的情况"):
        if text.endswith(tail) and len(text) > len(tail) + 2:
            text = text[: -len(tail)]
    return text.strip(" ,.!?;:，。！？；：、的")


def _suggest_title(place: str | None, central: Analysis, terms: Sequence[str]) -> str:
    phrase = _matter_phrase(central)
    if len(phrase) < 2:
        phrase = "、".join(terms[:3])
    if place and place not in phrase:
        return f"{place}{phrase}"
    return phrase or (place or "")


def _dt_range(
    docs: Sequence[IssueDoc],
) -> tuple[datetime | None, datetime | None]:
    times = [d.created_at for d in docs if d.created_at is not None]
    return (min(times), max(times)) if times else (None, None)


def cluster(
    docs: Sequence[IssueDoc],
    *,
    threshold: float = CLUSTER_THRESHOLD,
    min_size: int = 2,
) -> list[Candidate]:
    """Group unassigned issues into candidate topics.

    Issues that join no group are left out unless ``min_size`` is 1, in which case each
    becomes a size-1 candidate (useful for listing every issue with its candidate).
    Candidates are sorted by size, then by most recent member, then by key.
    """
    if not docs:
        return []
    keys = [d.key for d in docs]
    if len(set(keys)) != len(keys):
        raise ValueError("issue keys must be unique")
    # A canonical order makes ties break the same way whatever order the caller used,
    # so re-running over the same issues gives the same candidates and keys.
    docs = sorted(docs, key=lambda d: d.key)
    corpus = Corpus(docs)
    n = len(corpus)
    rows, cols = _neighbour_pairs(corpus.title_matrix)
    matter = _exact_cosines(corpus.matrix, rows, cols)
    ok = matter >= _MIN_MATTER
    rows, cols, matter = rows[ok], cols[ok], matter[ok]
    scores = corpus.pair_scores(rows, cols, matter)
    ok = scores >= _MIN_EDGE
    rows, cols, scores = rows[ok], cols[ok], scores[ok]
    groups, rows, cols, scores = _average_linkage(corpus, rows, cols, scores, threshold)

    # Per-member centrality (sum of scores to fellow members) picks representatives.
    group_of = np.empty(n, dtype=np.int64)
    for g, idxs in enumerate(groups):
        group_of[idxs] = g
    centrality = np.zeros(n, dtype=np.float64)
    inside = group_of[rows] == group_of[cols]
    np.add.at(centrality, rows[inside], scores[inside])
    np.add.at(centrality, cols[inside], scores[inside])
    pair_sum = np.bincount(group_of[rows[inside]], weights=scores[inside], minlength=len(groups))

    out: list[Candidate] = []
    for g, idxs in enumerate(groups):
        if len(idxs) < min_size:
            continue
        members = [docs[i] for i in idxs]
        analyses = [corpus.analyses[i] for i in idxs]
        order = sorted(idxs, key=lambda i: (-centrality[i], docs[i].key))
        terms = _key_terms(analyses, corpus.idf)
        place = _shared_place(analyses)
        first_at, last_at = _dt_range(members)
        size = len(idxs)
        pairs = size * (size - 1) / 2
        out.append(
            Candidate(
                key=_candidate_key([d.key for d in members]),
                members=tuple(sorted(d.key for d in members)),
                size=size,
                villages=tuple(sorted({d.village for d in members if d.village is not None})),
                first_at=first_at,
                last_at=last_at,
                representatives=tuple(docs[i].key for i in order[:_REPRESENTATIVES]),
                # The village field is a key, not a name, so it stays out of the title.
                title=_suggest_title(place, corpus.analyses[order[0]], terms),
                shared_place=place or _shared_village([d.village for d in members]),
                key_terms=terms,
                cohesion=round(float(pair_sum[g] / pairs), 4) if pairs else 1.0,
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
