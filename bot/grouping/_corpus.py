"""Analysed issues with their vectors: the state shared by the index and the clustering."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from bot.grouping._vectors import (
    DocumentFrequencies,
    FloatArray,
    bucket,
    family_counts,
    vectorise,
)
from bot.grouping.analysis import Analysis, analyse, augment
from bot.grouping.places import Gazetteer
from bot.grouping.scoring import combine, place_evidence
from bot.grouping.types import IssueDoc

FamilyCounts = tuple[dict[int, int], dict[int, int], dict[int, int]]

MAX_SHARED_TERMS = 5


def analyse_all(docs: Sequence[IssueDoc]) -> tuple[list[Analysis], Gazetteer]:
    """Analyse issues, then re-read them with the places the whole batch revealed."""
    first = [analyse(d.title, d.body) for d in docs]
    gazetteer = Gazetteer()
    for a in first:
        gazetteer.add_mentions(a.all_sites)
    return [augment(a, gazetteer) for a in first], gazetteer


def shared_terms(a: Analysis, b: Analysis, idf: FloatArray) -> list[str]:
    """Matter words the two issues share, most distinctive (highest IDF) first."""
    common = [t for t in a.terms if t in set(b.terms)]
    body_common = set(a.body_terms) & (set(b.body_terms) | set(b.terms))
    body_common |= set(a.terms) & set(b.body_terms)
    ranked = sorted(common, key=lambda t: -float(idf[bucket("w", t)]))
    extra = sorted(
        (t for t in body_common if t not in common), key=lambda t: -float(idf[bucket("b", t)])
    )
    return (ranked + extra)[:MAX_SHARED_TERMS]


class Corpus:
    """Analyses, per-family counts, IDF statistics and the row-normalised matrix."""

    def __init__(self, docs: Sequence[IssueDoc]) -> None:
        self.docs: list[IssueDoc] = list(docs)
        self.analyses, self.gazetteer = analyse_all(self.docs)
        self.counts: list[FamilyCounts] = [family_counts(a) for a in self.analyses]
        self.df = DocumentFrequencies()
        for c in self.counts:
            self.df.add(c)
        self.idf = self.df.idf()
        self.matrix: sp.csr_matrix = vectorise(self.counts, self.idf)

    def __len__(self) -> int:
        return len(self.docs)

    def pair_scores(self, rows: np.ndarray, cols: np.ndarray, matter: np.ndarray) -> np.ndarray:
        """Combined scores for index pairs given their matter cosines."""
        out = np.empty(len(rows), dtype=np.float32)
        docs, an = self.docs, self.analyses
        for n, (i, j, m) in enumerate(
            zip(rows.tolist(), cols.tolist(), matter.tolist(), strict=True)
        ):
            ev = place_evidence(an[i], docs[i].village, an[j], docs[j].village)
            out[n] = combine(m, ev, an[i], an[j])
        return out
