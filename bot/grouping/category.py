"""Suggesting a category (一级分类) for a new issue.

Two regimes:

* **Cold start** (a township with fewer than ``min_examples`` confirmed issues, or only
  one category among them): keyword rules for the default categories. Their confidence
  is deliberately modest so that the bot pre-selects only on clear keyword evidence.
* **Trained**: a linear SVM over hashed TF-IDF features (character 1–3-grams of the
  text, word uni/bigrams, and character n-grams of the opening, which is where the title
  sits). Confidence is the probability that the top label is right, from a logistic
  fit on a held-out part of the training data, so "pre-select when confidence ≥ 0.8"
  means what it says.

The trained model keeps only numpy arrays (no scikit-learn objects): about 13 MB for
9,000 training texts, and loading it with :meth:`CategoryModel.from_bytes` needs no
training code.
"""

from __future__ import annotations

import io
import itertools
import math
import pickle
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.grouping._hashing import (
    char_ngram_counts,
    normalise_rows,
    token_ngram_counts,
)
from bot.grouping._lexicon import cut
from bot.grouping.normalize import normalize_text
from bot.grouping.wordlists import sections

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "城乡建设",
    "环境保护",
    "交通运输",
    "教育文体",
    "劳动和社会保障",
    "商贸旅游",
    "卫生计生",
    "其他",
)
FALLBACK_CATEGORY = "其他"

# Pre-select a category in the bot only at or above this confidence; below it the
# resident picks. For the trained model the confidence is calibrated (see module doc).
PRESELECT_CONFIDENCE = 0.8

# Fewer confirmed examples than this and the keyword rules are used instead of a model:
# with a handful of examples per class a linear model is noisier than the rules.
MIN_EXAMPLES = 40


# Keyword rules for the cold start (words/category_keywords.txt). Each word is one piece
# of evidence; they follow the second-level headings of the government taxonomy the
# default categories come from.
KEYWORDS: dict[str, tuple[str, ...]] = sections("category_keywords.txt")

# Weights of the three feature blocks after per-block normalisation.
_W_CHARS = 1.2
_W_WORDS = 0.8
_W_HEAD = 1.0
_BODY_CHARS = 600  # char n-grams beyond this add noise, not signal
_HEAD_CHARS = 20  # about a title's length
_WORD_CHARS = 2000  # bounds segmentation time on very long letters
_BITS_CHARS = 21
_BITS_WORDS = 20
_BITS_HEAD = 18
_MIN_DF = 2  # features seen once in training cannot generalise; dropping them shrinks W
_SVM_C = 0.5
_HOLDOUT_SHARE = 0.2
_HOLDOUT_MAX = 2000
_MIN_FOR_HOLDOUT = 60
_FORMAT_VERSION = 1

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


def _is_presegmented(text: str) -> bool:
    """True for text already split into words by spaces (e.g. exported, tokenised data)."""
    spaces = text.count(" ")
    # Average word (plus its separator) of at most five characters.
    return spaces >= 3 and len(text) <= 5 * (spaces + 1)


def _words(text: str) -> list[str]:
    if _is_presegmented(text):
        return text.split()
    return [w for w in cut(text[:_WORD_CHARS]) if w.strip() and any(c.isalnum() for c in w)]


def _head(text: str) -> str:
    compact = "".join(text.split())
    return compact[:_HEAD_CHARS]


def _raw_blocks(texts: Sequence[str]) -> list[sp.csr_matrix]:
    norm = [normalize_text(t) for t in texts]
    return [
        char_ngram_counts([t[:_BODY_CHARS] for t in norm], 1, 3, _BITS_CHARS, salt=11),
        token_ngram_counts([_words(t) for t in norm], True, _BITS_WORDS, salt=12),
        char_ngram_counts([_head(t) for t in norm], 1, 3, _BITS_HEAD, salt=13),
    ]


@dataclass(slots=True)
class _Featurizer:
    """Hashed TF-IDF with the vocabulary reduced to features seen in training."""

    kept: list[IntArray]
    idf: list[FloatArray]

    @classmethod
    def fit(cls, blocks: list[sp.csr_matrix]) -> tuple[_Featurizer, sp.csr_matrix]:
        kept: list[IntArray] = []
        idf: list[FloatArray] = []
        for block in blocks:
            n = block.shape[0]
            df = np.bincount(block.indices, minlength=block.shape[1])
            cols = np.flatnonzero(df >= _MIN_DF).astype(np.int64)
            kept.append(cols)
            idf.append(
                (np.log((n + 1.0) / (df[cols].astype(np.float32) + 1.0)) + 1.0).astype(np.float32)
            )
        feat = cls(kept, idf)
        return feat, feat._weigh(blocks)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._weigh(_raw_blocks(texts))

    def _weigh(self, blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
        parts: list[sp.csr_matrix] = []
        for block, cols, idf, weight in zip(
            blocks, self.kept, self.idf, (_W_CHARS, _W_WORDS, _W_HEAD), strict=True
        ):
            m = block[:, cols].tocsr().astype(np.float32)
            m.data = (1.0 + np.log(m.data)) * idf[m.indices]
            parts.append(normalise_rows(m) * np.float32(weight))
        out: sp.csr_matrix = sp.hstack(parts, format="csr")
        return out


@dataclass(slots=True)
class _Linear:
    """One-vs-rest linear scores plus a calibration of the top label's correctness."""

    labels: tuple[str, ...]
    weights: FloatArray  # features x classes
    bias: FloatArray
    calib: tuple[float, float, float]  # a*top + b*margin + c -> logit

    def scores(self, x: sp.csr_matrix) -> npt.NDArray[np.float32]:
        out: npt.NDArray[np.float32] = np.asarray(x @ self.weights) + self.bias
        return out


def _top_two(
    scores: npt.NDArray[np.floating[Any]],
) -> tuple[IntArray, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Index of the best label, its score and the runner-up's score, per row."""
    s = scores.astype(np.float64)
    if s.shape[1] == 1:
        return np.zeros(s.shape[0], dtype=np.int64), s[:, 0], np.zeros(s.shape[0])
    order = np.argsort(-s, axis=1)
    rows = np.arange(s.shape[0])
    top = order[:, 0].astype(np.int64)
    return top, s[rows, order[:, 0]], s[rows, order[:, 1]]


def _calibration_features(scores: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
    _, s1, s2 = _top_two(scores)
    return np.column_stack([s1, s1 - s2]).astype(np.float64)


# Used when there are too few examples to hold some out: the coefficients fitted on the
# held-out part of the reference training set (rounded). Margins of this model keep a
# similar scale across data sets because every feature block is L2-normalised, so this
# is a reasonable prior; with real held-out data the fit replaces it.
_DEFAULT_CALIBRATION = (-0.75, 3.0, 0.2)


def _fit_svm(x: sp.csr_matrix, y: Sequence[str]) -> tuple[tuple[str, ...], FloatArray, FloatArray]:
    from sklearn.svm import LinearSVC  # imported lazily: only training needs scikit-learn

    clf = LinearSVC(C=_SVM_C, class_weight="balanced")
    clf.fit(x, list(y))
    labels = tuple(str(c) for c in clf.classes_)
    coef = np.asarray(clf.coef_, dtype=np.float32)
    bias = np.asarray(clf.intercept_, dtype=np.float32)
    if len(labels) == 2:
        # Binary LinearSVC has one score for the second class; expand to two columns so
        # both regimes share the top-two logic.
        half = np.float32(0.5)
        coef = np.vstack([-coef[0], coef[0]]).astype(np.float32) * half
        bias = np.array([-bias[0], bias[0]], dtype=np.float32) * half
    return labels, np.ascontiguousarray(coef.T), bias


def _holdout_split(labels: Sequence[str], rng: np.random.Generator) -> npt.NDArray[np.bool_]:
    """Mask of held-out rows: a stratified share, never a class's only examples."""
    n = len(labels)
    size = min(_HOLDOUT_MAX, max(1, int(n * _HOLDOUT_SHARE)))
    mask = np.zeros(n, dtype=bool)
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    for idxs in by_label.values():
        take = round(len(idxs) * size / n)
        take = min(take, len(idxs) - 1)
        if take > 0:
            mask[rng.choice(idxs, size=take, replace=False)] = True
    return mask


def _fit_calibration(
    scores: npt.NDArray[np.float32], correct: npt.NDArray[np.bool_]
) -> tuple[float, float, float]:
    if correct.all() or not correct.any():
        return _DEFAULT_CALIBRATION
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1.0)
    lr.fit(_calibration_features(scores), correct.astype(int))
    a, b = (float(v) for v in lr.coef_[0])
    return a, b, float(lr.intercept_[0])


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return out


def rule_scores(text: str) -> Counter[str]:
    """Keyword hits per default category in a normalised text."""
    hits: Counter[str] = Counter()
    for label, words in KEYWORDS.items():
        for w in words:
            if w in text:
                hits[label] += 1
    return hits


def predict_by_rules(text: str) -> tuple[str, float]:
    """Cold-start suggestion: the category with most keyword hits.

    Confidence grows with the lead over the runner-up and stays below
    :data:`PRESELECT_CONFIDENCE` unless the lead is at least three keywords.
    """
    hits = rule_scores(normalize_text(text)).most_common(2)
    if not hits:
        return FALLBACK_CATEGORY, 0.2
    best, n1 = hits[0]
    n2 = hits[1][1] if len(hits) > 1 else 0
    lead = n1 - n2
    if lead == 0:
        # A tie is a coin toss between the tied categories; say so.
        return best, 0.3
    return best, round(min(0.9, 0.45 + 0.12 * lead), 3)


class CategoryModel:
    """Category suggestion for one township; rules until enough confirmed examples.

    Thread safety: :meth:`fit` builds the new model aside and swaps it in at the end,
    so the bot can keep predicting from another thread while it retrains.
    """

    def __init__(self, *, min_examples: int = MIN_EXAMPLES, random_state: int = 0) -> None:
        self.min_examples = min_examples
        self.random_state = random_state
        # One attribute, replaced in a single assignment, so that a predict running in
        # another thread never sees a new featurizer with an old classifier.
        self._trained: tuple[_Featurizer, _Linear] | None = None
        self._n_examples = 0

    @property
    def is_trained(self) -> bool:
        """False while the keyword rules are in use."""
        return self._trained is not None

    @property
    def labels(self) -> tuple[str, ...]:
        return self._trained[1].labels if self._trained is not None else DEFAULT_CATEGORIES

    @property
    def n_examples(self) -> int:
        return self._n_examples

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> CategoryModel:
        """Train on confirmed issues (title and body joined); returns self.

        With fewer than ``min_examples`` examples or a single category the model stays
        (or goes back) to the keyword rules.
        """
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        y = [str(lab) for lab in labels]
        if len(y) < self.min_examples or len(set(y)) < 2:
            self._trained, self._n_examples = None, len(y)
            return self
        featurizer, x = _Featurizer.fit(_raw_blocks(texts))
        rng = np.random.default_rng(self.random_state)
        calib = _DEFAULT_CALIBRATION
        holdout = _holdout_split(y, rng) if len(y) >= _MIN_FOR_HOLDOUT else np.zeros(len(y), bool)
        if holdout.any():
            # The calibration model and the final model are independent fits; liblinear
            # releases the GIL, so running them side by side halves the wall time.
            result: dict[str, tuple[tuple[str, ...], FloatArray, FloatArray]] = {}
            train_idx = np.flatnonzero(~holdout)
            y_train = [y[i] for i in train_idx]

            def side() -> None:
                result["side"] = _fit_svm(x[train_idx], y_train)

            worker = threading.Thread(target=side)
            worker.start()
            final = _fit_svm(x, y)
            worker.join()
            s_labels, s_w, s_b = result["side"]
            held = np.flatnonzero(holdout)
            held_scores = np.asarray(x[held] @ s_w) + s_b
            top, _, _ = _top_two(held_scores)
            predicted = np.array([s_labels[i] for i in top])
            correct = predicted == np.array([y[i] for i in held])
            calib = _fit_calibration(held_scores, correct)
        else:
            final = _fit_svm(x, y)
        labels_, weights, bias = final
        self._trained = (featurizer, _Linear(labels_, weights, bias, calib))
        self._n_examples = len(y)
        return self

    def predict(self, text: str) -> tuple[str, float]:
        """Suggested category and the probability that it is right (0..1)."""
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        trained = self._trained
        if trained is None:
            return [predict_by_rules(t) for t in texts]
        featurizer, linear = trained
        if not texts:
            return []
        scores = linear.scores(featurizer.transform(texts))
        top, _, _ = _top_two(scores)
        a, b, c = linear.calib
        feats = _calibration_features(scores)
        conf = _sigmoid(a * feats[:, 0] + b * feats[:, 1] + c)
        return [
            (linear.labels[int(i)], round(float(p), 4))
            for i, p in zip(top.tolist(), conf.tolist(), strict=True)
        ]

    # -- serialisation -------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Serialise (pickle of plain numpy arrays and tuples, with a format version).

        Only load bytes this code produced: unpickling untrusted data can run code.
        """
        state: dict[str, object] = {
            "version": _FORMAT_VERSION,
            "min_examples": self.min_examples,
            "random_state": self.random_state,
            "n_examples": self._n_examples,
        }
        if self._trained is not None:
            feat, lin = self._trained
            state["featurizer"] = (feat.kept, feat.idf)
            state["linear"] = (lin.labels, lin.weights, lin.bias, lin.calib)
        buf = io.BytesIO()
        pickle.dump(state, buf, protocol=pickle.HIGHEST_PROTOCOL)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> CategoryModel:
        state = pickle.loads(data)
        if not isinstance(state, dict) or state.get("version") != _FORMAT_VERSION:
            raise ValueError("unsupported category model format")
        model = cls(
            min_examples=int(state["min_examples"]), random_state=int(state["random_state"])
        )
        model._n_examples = int(state["n_examples"])
        if "linear" in state:
            kept, idf = state["featurizer"]
            labels, weights, bias, calib = state["linear"]
            model._trained = (
                _Featurizer(list(kept), list(idf)),
                _Linear(tuple(labels), weights, bias, tuple(calib)),
            )
        return model


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """Mean gap between confidence and accuracy over equal-width bins (for the bench)."""
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=np.float64)
    if len(conf) == 0:
        return math.nan
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        sel = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if sel.any():
            total += abs(float(conf[sel].mean()) - float(ok[sel].mean())) * int(sel.sum())
    return total / len(conf)
