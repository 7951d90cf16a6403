"""Grouping residents' issues (诉求) into consultation topics (议题), without Telegram or DB.

A 议题 is one matter at one place. The package therefore keeps *where* (place mentions
such as 魅力之城小区, 茶场村, 经济学院, plus the bot's village field) apart from *what*
(matter words), and scores two issues by matter similarity scaled by place evidence:

* :func:`normalize_text` — traditional → simplified, full-width → half-width, phone
  numbers and letter boilerplate removed.
* :func:`extract_places` — place mentions by type suffix, with district codes apart;
  :func:`analyse` — an issue split into place mentions and matter terms.
* :class:`SimilarityIndex` — open issues/topics; ``query`` a new issue for 附议
  suggestions (compare ``Match.score`` with :data:`JOIN_SUGGESTION_THRESHOLD`).
* :func:`cluster` — candidate topics from unassigned issues (:class:`Candidate`).
* :class:`CategoryModel` — category suggestion with calibrated confidence; keyword
  rules until a township has enough confirmed examples.

Figures on the reference data are printed by ``python bench/grouping.py``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.grouping.analysis import Analysis, analyse
    from bot.grouping.category import (
        DEFAULT_CATEGORIES,
        FALLBACK_CATEGORY,
        MIN_EXAMPLES,
        PRESELECT_CONFIDENCE,
        CategoryModel,
        predict_by_rules,
    )
    from bot.grouping.clustering import CLUSTER_THRESHOLD, STRONG_PAIR, cluster
    from bot.grouping.normalize import normalize_text, to_simplified
    from bot.grouping.places import PlaceLevel, PlaceMention, extract_places
    from bot.grouping.similarity import JOIN_SUGGESTION_THRESHOLD, SimilarityIndex
    from bot.grouping.types import Candidate, IssueDoc, Match

# Where each public name lives. Importing the package stays cheap (numpy, scipy and
# jieba load on first use), so code that only needs a word list, such as the importer's
# header synonyms, does not pay for the numerical stack.
_EXPORTS = {
    "Analysis": "analysis",
    "analyse": "analysis",
    "DEFAULT_CATEGORIES": "category",
    "FALLBACK_CATEGORY": "category",
    "MIN_EXAMPLES": "category",
    "PRESELECT_CONFIDENCE": "category",
    "CategoryModel": "category",
    "predict_by_rules": "category",
    "CLUSTER_THRESHOLD": "clustering",
    "STRONG_PAIR": "clustering",
    "cluster": "clustering",
    "normalize_text": "normalize",
    "to_simplified": "normalize",
    "PlaceLevel": "places",
    "PlaceMention": "places",
    "extract_places": "places",
    "JOIN_SUGGESTION_THRESHOLD": "similarity",
    "SimilarityIndex": "similarity",
    "Candidate": "types",
    "IssueDoc": "types",
    "Match": "types",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "CLUSTER_THRESHOLD",
    "DEFAULT_CATEGORIES",
    "FALLBACK_CATEGORY",
    "JOIN_SUGGESTION_THRESHOLD",
    "MIN_EXAMPLES",
    "PRESELECT_CONFIDENCE",
    "STRONG_PAIR",
    "Analysis",
    "Candidate",
    "CategoryModel",
    "IssueDoc",
    "Match",
    "PlaceLevel",
    "PlaceMention",
    "SimilarityIndex",
    "analyse",
    "cluster",
    "extract_places",
    "normalize_text",
    "predict_by_rules",
    "to_simplified",
]
