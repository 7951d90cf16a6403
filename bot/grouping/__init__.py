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

from bot.grouping.analysis import Analysis, analyse
from bot.grouping.category import (
    DEFAULT_CATEGORIES,
    FALLBACK_CATEGORY,
    MIN_EXAMPLES,
    PRESELECT_CONFIDENCE,
    CategoryModel,
    predict_by_rules,
)
from bot.grouping.clustering import CLUSTER_THRESHOLD, cluster
from bot.grouping.normalize import normalize_text, to_simplified
from bot.grouping.places import PlaceLevel, PlaceMention, extract_places
from bot.grouping.similarity import JOIN_SUGGESTION_THRESHOLD, SimilarityIndex
from bot.grouping.types import Candidate, IssueDoc, Match

__all__ = [
    "CLUSTER_THRESHOLD",
    "DEFAULT_CATEGORIES",
    "FALLBACK_CATEGORY",
    "JOIN_SUGGESTION_THRESHOLD",
    "MIN_EXAMPLES",
    "PRESELECT_CONFIDENCE",
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
