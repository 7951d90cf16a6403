"""Finding open issues similar to a new one, to offer 附议 instead of a duplicate."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

from bot.grouping._corpus import FamilyCounts, analyse_all, shared_terms
from bot.grouping._vectors import DocumentFrequencies, FloatArray, family_counts, vectorise
from bot.grouping.analysis import Analysis, analyse
from bot.grouping.scoring import combine, place_evidence
from bot.grouping.types import IssueDoc, Match

# Score at or above which the bot offers "join this existing issue (附议)" while a
# resident is filing a new one. Chosen on the hot-issue data (see bench/grouping.py and
# the module docstring of bot.grouping): at 0.55 about nine in ten offered neighbours are
# the same matter at the same place according to the reference groupings, while lower
# values mostly add same-place-different-matter neighbours.
JOIN_SUGGESTION_THRESHOLD = 0.55

# How many best matter neighbours are re-scored with place evidence. Place evidence only
# scales the matter score, so a neighbour outside the matter top list cannot win.
_RESCORE = 64
# Matter cosines below this are unrelated; skipping them saves re-scoring work.
_MIN_MATTER = 0.05
# New rows are kept aside and merged into the column-major copy in batches, so one add
# costs microseconds instead of a transpose of the whole matrix.
_PENDING_LIMIT = 512


class SimilarityIndex:
    """Open issues/topics indexed for :meth:`query`; supports :meth:`add` and :meth:`discard`.

    Word statistics (IDF) are taken from the documents present at construction and
    refreshed automatically once the collection has doubled, so adding issues one by one
    never triggers a rebuild per issue.
    """

    def __init__(self, docs: Iterable[IssueDoc] = ()) -> None:
        self._docs: list[IssueDoc] = []
        self._analyses: list[Analysis] = []
        self._counts: list[FamilyCounts] = []
        self._alive: list[bool] = []
        self._pos: dict[str, int] = {}
        self._df = DocumentFrequencies()
        initial = list(docs)
        analyses, self._gazetteer = analyse_all(initial)
        for doc, a in zip(initial, analyses, strict=True):
            self._append(doc, a)
        self._refreeze()

    # -- maintenance -------------------------------------------------------------------

    def __len__(self) -> int:
        return sum(self._alive)

    def __contains__(self, key: object) -> bool:
        return key in self._pos

    def _append(self, doc: IssueDoc, a: Analysis) -> int:
        old = self._pos.get(doc.key)
        if old is not None:
            self._alive[old] = False
        counts = family_counts(a)
        self._docs.append(doc)
        self._analyses.append(a)
        self._counts.append(counts)
        self._alive.append(True)
        self._pos[doc.key] = len(self._docs) - 1
        self._df.add(counts)
        return len(self._docs) - 1

    def _refreeze(self) -> None:
        """Recompute IDF and all vectors from the current collection."""
        self._idf: FloatArray = self._df.idf()
        self._frozen_at = max(self._df.n_docs, 1)
        matrix = vectorise(self._counts, self._idf)
        self._by_term: sp.csr_matrix = matrix.T.tocsr()
        self._n_indexed = matrix.shape[0]
        self._pending: list[sp.csr_matrix] = []
        self._pending_block: sp.csr_matrix | None = None

    def add(self, doc: IssueDoc) -> None:
        """Index a new issue (replacing any earlier version with the same key)."""
        a = analyse(doc.title, doc.body, self._gazetteer)
        self._gazetteer.add_mentions(a.all_sites)
        self._append(doc, a)
        if self._df.n_docs >= 2 * self._frozen_at:
            self._refreeze()
            return
        self._pending.append(vectorise([self._counts[-1]], self._idf))
        self._pending_block = None
        if len(self._pending) >= _PENDING_LIMIT:
            self._merge_pending()

    def _merge_pending(self) -> None:
        block = sp.vstack([self._by_term.T.tocsr(), *self._pending], format="csr")
        self._by_term = block.T.tocsr()
        self._n_indexed = block.shape[0]
        self._pending = []
        self._pending_block = None

    def discard(self, key: str) -> None:
        """Stop suggesting an issue (closed, merged into a topic, withdrawn)."""
        pos = self._pos.pop(key, None)
        if pos is not None:
            self._alive[pos] = False

    # -- querying ----------------------------------------------------------------------

    def _matter_sims(self, q: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        parts_idx: list[np.ndarray] = []
        parts_val: list[np.ndarray] = []
        if q.nnz:
            # Row slices of the term-major matrix touch only the query's terms.
            hits = (q @ self._by_term).tocsr()
            parts_idx.append(hits.indices.astype(np.int64))
            parts_val.append(hits.data)
            if self._pending:
                if self._pending_block is None:
                    self._pending_block = sp.vstack(self._pending, format="csr")
                recent = (self._pending_block @ q.T).tocoo()
                parts_idx.append(recent.row.astype(np.int64) + self._n_indexed)
                parts_val.append(recent.data)
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
        q = vectorise([family_counts(a)], self._idf)
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
