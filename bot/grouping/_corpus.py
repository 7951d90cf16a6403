"""Analysed issues with their vectors: the state shared by the index and the clustering."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from bot.grouping._lexicon import WordClass, word_class
from bot.grouping._vectors import (
    DocumentFrequencies,
    Families,
    FloatArray,
    bigram_bucket,
    family_counts,
    vectorise,
    word_bucket,
)
from bot.grouping.analysis import Analysis, analyse, augment_all, compact
from bot.grouping.places import Gazetteer
from bot.grouping.scoring import combine, place_evidence
from bot.grouping.types import IssueDoc

_WORD_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")

MAX_SHARED_TERMS = 5


def analyse_all(docs: Sequence[IssueDoc]) -> tuple[list[Analysis], Gazetteer]:
    """Analyse issues, then re-read them with the places the whole batch revealed."""
    first = [analyse(d.title, d.body) for d in docs]
    gazetteer = Gazetteer()
    for a in first:
        gazetteer.add_mentions(a.sites)
    # Once augmented, the segmentation and the raw body opening are never read again;
    # dropping them saves about a third of the memory of a large collection.
    return [compact(a) for a in augment_all(first, gazetteer)], gazetteer


def bigrams(text: str) -> list[str]:
    """Character bigrams inside runs of Han/latin/digit characters."""
    out: list[str] = []
    for run in _WORD_RUN.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _common_phrases(a: str, b: str) -> list[str]:
    """Maximal runs of ``a`` whose every bigram also occurs in ``b`` (length >= 2)."""
    shared = set(bigrams(a)) & set(bigrams(b))
    out: list[str] = []
    run = ""
    for i in range(len(a) - 1):
        if a[i : i + 2] in shared:
            run = run + a[i + 1] if run else a[i : i + 2]
        else:
            if run:
                out.append(run)
            run = ""
    if run:
        out.append(run)
    return out


def _phrase_weight(phrase: str, idf: FloatArray) -> float:
    grams = bigrams(phrase)
    # Mean rarity of the phrase's bigrams, with a small bonus for longer phrases.
    rarity = sum(float(idf[bigram_bucket(g.lower())]) for g in grams) / max(len(grams), 1)
    return rarity + 0.1 * len(grams)


def shared_terms(a: Analysis, b: Analysis, idf: FloatArray) -> list[str]:
    """Matter words the two issues share, most distinctive first.

    Title words come first; when titles share fewer than two, phrases common to the
    body openings (places blanked out) fill up, as bodies restate the matter in
    different words from the title.
    """
    b_terms = set(b.terms)
    common = sorted((t for t in a.terms if t in b_terms), key=lambda t: -float(idf[word_bucket(t)]))
    if len(common) < 2:
        phrases = {
            p
            for p in _common_phrases(a.body_matter, b.body_matter + "|" + b.title_matter)
            if 2 <= len(p) <= 8 and word_class(p) is not WordClass.STOP and p not in common
        }
        common += sorted(phrases, key=lambda p: (-_phrase_weight(p, idf), p))
    return common[:MAX_SHARED_TERMS]


class Corpus:
    """Analyses, IDF statistics and row-normalised vectors of a batch of issues."""

    def __init__(self, docs: Sequence[IssueDoc]) -> None:
        self.docs: list[IssueDoc] = list(docs)
        self.analyses, self.gazetteer = analyse_all(self.docs)
        counts: Families = family_counts(self.analyses)
        self.df = DocumentFrequencies()
        self.df.add(counts)
        self.idf = self.df.idf()
        # Title-only vectors find neighbour candidates: pairs that share nothing in their
        # titles cannot reach a grouping score (the body weighs about a tenth), and
        # these vectors are six times sparser than the full ones.
        empty = sp.csr_matrix(counts[2].shape, dtype=np.float32)
        self.title_matrix: sp.csr_matrix = vectorise((counts[0], counts[1], empty), self.idf)
        # Raw counts are not kept (the full vectors reuse their memory).
        self.matrix: sp.csr_matrix = vectorise(counts, self.idf, consume=True)
        del counts

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
