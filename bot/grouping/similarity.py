"""Finding open issues similar to a new one, to offer 附议 instead of a duplicate."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

from bot.grouping._corpus import analyse_all, shared_terms
from bot.grouping._vectors import (
    DocumentFrequencies,
    Families,
    FloatArray,
    family_counts,
    vectorise,
)
from bot.grouping.analysis import Analysis, analyse, compact
from bot.grouping.scoring import combine, place_evidence
from bot.grouping.types import IssueDoc, Match

# Score at or above which the bot offers "join this existing issue (附议)" while a
# resident is filing a new one. A resident's message has no title; its first sentence
# stands in (analysis.py), which lifted the share of hot issues offered their labelled
# repeat, asked as chat messages, from a quarter to about half or more. Chosen on
# bench/grouping.py ("附议 suggestion threshold" and the 附议 table): at 0.7 every offer
# the reference groupings or the table can judge is right, while at 0.6 same-place,
# other-matter messages sharing a sub-location ("五栋一单元", "后山") are offered. A
# wrong offer costs the resident a tap, a missed one only a duplicate that grouping
# merges.
JOIN_SUGGESTION_THRESHOLD = 0.7

# Coverage of a short query by a longer issue counts this much of a cosine: a one-line
# repeat fully covered by its neighbour's paragraph matches like a near-identical text,
# slightly below it. Chosen on the 附议 table in tests/bot/grouping/data/join_pairs.csv
# (bench/grouping.py prints offered-rate and precision there).
COVERAGE_WEIGHT = 1.0

# How many best matter neighbours are re-scored with place evidence. Place evidence only
# scales the matter score, so a neighbour outside the matter top list cannot win.
_RESCORE = 64
# Matter cosines below this are unrelated; skipping them saves re-scoring work.
_MIN_MATTER = 0.05
# New rows are kept aside and merged into the column-major copy in batches, so one add
# costs microseconds instead of a transpose of the whole matrix.
_PENDING_LIMIT = 512


def _present(m: sp.csr_matrix) -> sp.csr_matrix:
    """The same sparsity with every stored value 1 (index arrays shared, not copied)."""
    return sp.csr_matrix((np.ones(m.nnz, dtype=np.float32), m.indices, m.indptr), shape=m.shape)


class SimilarityIndex:
    """Open issues/topics indexed for :meth:`query`; supports :meth:`add` and :meth:`discard`.

    Word statistics (IDF) are taken from the documents present at construction and
    refreshed once the collection has doubled (discarded issues are dropped then), so
    adding issues one by one never triggers a rebuild per issue. :meth:`add` refreshes in
    place; a caller that must not wait for it (it takes about 18 ms per thousand issues)
    adds with ``refresh=False`` and refreshes a :meth:`copy` in a worker thread.
    Not thread-safe: use it from one thread (or behind a lock), e.g. the bot's event
    loop, and build a replacement in the background for a full refresh.
    """

    def __init__(self, docs: Iterable[IssueDoc] = ()) -> None:
        self._docs: list[IssueDoc] = []
        self._analyses: list[Analysis] = []
        self._count_blocks: list[Families] = []
        self._alive: list[bool] = []
        self._pos: dict[str, int] = {}
        self._df = DocumentFrequencies()
        initial = list(docs)
        analyses, self._gazetteer = analyse_all(initial)
        for doc, a in zip(initial, analyses, strict=True):
            self._register(doc, a)
        counts = family_counts(analyses)
        self._count_blocks.append(counts)
        self._df.add(counts)
        self._refreeze()

    # -- maintenance -------------------------------------------------------------------

    def __len__(self) -> int:
        return sum(self._alive)

    def __contains__(self, key: object) -> bool:
        return key in self._pos

    def _register(self, doc: IssueDoc, a: Analysis) -> None:
        old = self._pos.get(doc.key)
        if old is not None:
            self._alive[old] = False
        self._docs.append(doc)
        self._analyses.append(a)
        self._alive.append(True)
        self._pos[doc.key] = len(self._docs) - 1

    def _refreeze(self) -> None:
        """Recompute IDF and all vectors from the live collection (dropping dead rows)."""
        stacked = tuple(
            sp.vstack([b[f] for b in self._count_blocks], format="csr") for f in range(3)
        )
        counts: Families = (stacked[0], stacked[1], stacked[2])
        if not all(self._alive):
            live = np.flatnonzero(np.asarray(self._alive, dtype=bool))
            counts = (counts[0][live], counts[1][live], counts[2][live])
            self._docs = [self._docs[i] for i in live]
            self._analyses = [self._analyses[i] for i in live]
            self._alive = [True] * len(self._docs)
            self._pos = {d.key: i for i, d in enumerate(self._docs)}
            self._df = DocumentFrequencies()
            self._df.add(counts)
        self._count_blocks = [counts]
        self._idf: FloatArray = self._df.idf()
        self._frozen_at = max(self._df.n_docs, 1)
        matrix = vectorise(counts, self._idf)
        self._by_term: sp.csr_matrix = matrix.T.tocsr()
        self._n_indexed = matrix.shape[0]
        self._pending: list[sp.csr_matrix] = []
        # The pending rows term-major (and their binary twin), built once per change: a
        # query then touches only its own terms, as against the indexed block.
        self._pending_by_term: sp.csr_matrix | None = None
        self._pending_present: sp.csr_matrix | None = None

    @property
    def stale(self) -> bool:
        """The collection has doubled since the word statistics were taken."""
        return self._df.n_docs >= 2 * self._frozen_at

    def copy(self) -> SimilarityIndex:
        """An independent copy to :meth:`refresh` elsewhere (a worker thread) while this
        one keeps serving; what this one learns afterwards is not in the copy."""
        twin = SimilarityIndex.__new__(SimilarityIndex)
        twin.__dict__.update(self.__dict__)
        twin._docs = list(self._docs)
        twin._analyses = list(self._analyses)
        twin._count_blocks = list(self._count_blocks)  # the blocks themselves never change
        twin._alive = list(self._alive)
        twin._pos = dict(self._pos)
        twin._df = self._df.copy()
        twin._pending = list(self._pending)
        # The gazetteer stays shared: refreshing never reads it, and it only ever learns
        # places (both indexes may teach it the same ones).
        return twin

    def refresh(self) -> None:
        """Take the word statistics afresh from the live collection, dropping dead rows."""
        self._refreeze()

    def add(self, doc: IssueDoc, *, refresh: bool = True) -> None:
        """Index a new issue (replacing any earlier version with the same key); with
        ``refresh`` the word statistics are taken afresh once the collection doubled."""
        a = compact(analyse(doc.title, doc.body, self._gazetteer))
        self._gazetteer.add_mentions(a.sites)
        self._register(doc, a)
        counts = family_counts([a])
        self._count_blocks.append(counts)
        self._df.add(counts)
        if refresh and self.stale:
            self._refreeze()
            return
        self._pending.append(vectorise(counts, self._idf))
        self._pending_by_term = self._pending_present = None
        if len(self._pending) >= _PENDING_LIMIT:
            self._merge_pending()

    def _merge_pending(self) -> None:
        block = sp.vstack([self._by_term.T.tocsr(), *self._pending], format="csr")
        self._by_term = block.T.tocsr()
        self._n_indexed = block.shape[0]
        self._pending = []
        self._pending_by_term = self._pending_present = None

    def discard(self, key: str) -> None:
        """Stop suggesting an issue (closed, merged into a topic, withdrawn)."""
        pos = self._pos.pop(key, None)
        if pos is not None:
            self._alive[pos] = False

    # -- querying ----------------------------------------------------------------------

    def _matter_sims(self, q: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Indexed rows sharing a feature with ``q``: the better of cosine and coverage.

        Coverage is the share of the query's weight (squared, as in the cosine) found
        in the other issue. A resident joining a neighbour's issue types one line
        ("东村村口路灯坏了"), and the cosine of one line against a paragraph stays low
        however well the paragraph covers it; coverage does not depend on the other
        issue's length.
        """
        parts_idx: list[np.ndarray] = []
        parts_val: list[np.ndarray] = []
        if q.nnz:
            weight = q.multiply(q).tocsr()
            # Row slices of the term-major matrix touch only the query's terms.
            hits = (q @ self._by_term).tocsr()
            cover = (weight @ _present(self._by_term)).tocsr()
            hits.sort_indices()
            cover.sort_indices()
            parts_idx.append(hits.indices.astype(np.int64))
            parts_val.append(np.maximum(hits.data, COVERAGE_WEIGHT * cover.data))
            if self._pending:
                if self._pending_by_term is None or self._pending_present is None:
                    block = sp.vstack(self._pending, format="csr").T.tocsr()
                    block.sort_indices()
                    self._pending_by_term, self._pending_present = block, _present(block)
                recent = (q @ self._pending_by_term).toarray().ravel()
                recent_cover = (weight @ self._pending_present).toarray().ravel()
                rows = np.flatnonzero(recent > 0)
                parts_idx.append(rows.astype(np.int64) + self._n_indexed)
                parts_val.append(np.maximum(recent[rows], COVERAGE_WEIGHT * recent_cover[rows]))
        if not parts_idx:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        return np.concatenate(parts_idx), np.concatenate(parts_val)

    def query(
        self,
        title: str,
        body: str = "",
        village: str | None = None,
        k: int = 5,
        *,
        exclude: str | None = None,
        min_score: float = 0.0,
    ) -> list[Match]:
        """Best ``k`` open issues for a new issue, best first.

        ``exclude`` skips one key (the issue itself when re-querying an indexed issue);
        ``min_score`` drops weaker matches (use :data:`JOIN_SUGGESTION_THRESHOLD` when
        deciding whether to offer 附议).
        """
        a = analyse(title, body, self._gazetteer)
        q = vectorise(family_counts([a]), self._idf)
        idx, sims = self._matter_sims(q)
        keep = sims >= _MIN_MATTER
        idx, sims = idx[keep], sims[keep]
        if len(idx) > _RESCORE:
            top = np.argpartition(-sims, _RESCORE)[:_RESCORE]
            idx, sims = idx[top], sims[top]
        scored: list[tuple[float, int]] = []
        for i, m in zip(idx.tolist(), sims.tolist(), strict=True):
            doc = self._docs[i]
            if not self._alive[i] or doc.key == exclude:
                continue
            ev = place_evidence(a, village, self._analyses[i], doc.village)
            score = combine(m, ev, a, self._analyses[i])
            if score >= min_score and score > 0.0:
                scored.append((score, i))
        scored.sort(key=lambda t: (-t[0], self._docs[t[1]].key))
        out: list[Match] = []
        for score, i in scored[:k]:
            other = self._analyses[i]
            ev = place_evidence(a, village, other, self._docs[i].village)
            out.append(
                Match(
                    key=self._docs[i].key,
                    score=round(min(score, 1.0), 4),
                    shared_place=ev.shared_place,
                    shared_terms=shared_terms(a, other, self._idf),
                )
            )
        return out
