"""Combining matter similarity with place and village evidence into one score.

The matter cosine says whether two issues complain about the same thing; place
evidence decides whether they are about the same thing *at the same place*. Place never
creates similarity on its own (a place usually carries several unrelated matters), it
only scales the matter score: same place lowers the bar, a different place raises it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.grouping.analysis import Analysis
from bot.grouping.places import PlaceMention, gram_containment

# Containment at or above which two place cores are taken to name the same place;
# 2/3 accepts 万科魅力之城 ~ 魅力之城 and 丽发小区 ~ 丽发新城 but not 丽发新城 ~ 武广新城.
SAME_PLACE_CONTAINMENT = 0.66
# Below this, two issues that both name a precise place are at different places.
DIFFERENT_PLACE_CONTAINMENT = 0.34

# Exponent reduction on the matter score for a shared place: m ** (1 - k * strength).
# With k = 0.6, a matter cosine of 0.30 at the same place scores 0.62.
SAME_PLACE_BOOST = 0.6
# Below this matter cosine the issues share a stray word at most; a shared place must
# not turn that into a match, so the boost does not apply.
MIN_MATTER_FOR_BOOST = 0.1
# Multipliers for counter-evidence. Same matter at a different place must stay well
# below the grouping thresholds even for word-for-word templated petitions (m ~ 0.9).
DIFFERENT_PLACE_FACTOR = 0.25
DIFFERENT_AREA_FACTOR = 0.7
# Different city or county (district codes): a different place as much as a different
# estate, though coarser, so slightly milder than DIFFERENT_PLACE_FACTOR.
DIFFERENT_DISTRICT_FACTOR = 0.4
DIFFERENT_VILLAGE_FACTOR = 0.5
# Neither names a precise place (city-wide policy questions, or a township issue whose
# place is only in the village field): the matter decides, slightly discounted.
UNKNOWN_PLACE_FACTOR = 0.9
# One names a precise place and the other does not: the other may well be elsewhere,
# and templated complaints (麻将馆扰民, 高空坠物) would otherwise join across places.
ONE_SIDED_PLACE_FACTOR = 0.7
# A title place that the other issue names only in its body counts this much.
BODY_PLACE_STRENGTH = 0.6
# Same village recorded by the bot counts as this much place evidence.
SAME_VILLAGE_STRENGTH = 0.8


class PlaceRelation(Enum):
    SAME = "same"
    UNKNOWN = "unknown"
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class PlaceEvidence:
    relation: PlaceRelation
    strength: float
    shared_place: str | None
    village_relation: PlaceRelation


def _best(
    left: tuple[PlaceMention, ...], right: tuple[PlaceMention, ...]
) -> tuple[float, PlaceMention | None, PlaceMention | None]:
    best = 0.0
    pair: tuple[PlaceMention | None, PlaceMention | None] = (None, None)
    for a in left:
        for b in right:
            s = gram_containment(a.grams, b.grams)
            if s > best:
                best, pair = s, (a, b)
    return best, pair[0], pair[1]


def _display(a: PlaceMention, b: PlaceMention) -> str:
    # The shorter core is usually the canonical name (魅力之城 rather than 万科魅力之城);
    # its mention keeps the type word, which reads better in a topic title.
    return a.text if len(a.core) <= len(b.core) else b.text


def same_village(a: str | None, b: str | None) -> PlaceRelation:
    if a is None or b is None:
        return PlaceRelation.UNKNOWN
    return PlaceRelation.SAME if a == b else PlaceRelation.DIFFERENT


def place_evidence(
    a: Analysis, village_a: str | None, b: Analysis, village_b: str | None
) -> PlaceEvidence:
    """How strongly two issues are (or are not) at the same place."""
    village = same_village(village_a, village_b)
    s_tt, a_tt, b_tt = _best(a.sites, b.sites)
    if s_tt >= SAME_PLACE_CONTAINMENT and a_tt is not None and b_tt is not None:
        return PlaceEvidence(PlaceRelation.SAME, s_tt, _display(a_tt, b_tt), village)
    # A title place found in the other issue's body also counts, more weakly: bodies
    # mention nearby roads and estates that are not what the issue is about.
    s1, m1a, m1b = _best(a.sites, b.body_sites)
    s2, m2a, m2b = _best(a.body_sites, b.sites)
    s_tb, ma, mb = (s1, m1a, m1b) if s1 >= s2 else (s2, m2a, m2b)
    if s_tb >= SAME_PLACE_CONTAINMENT and ma is not None and mb is not None:
        strength = BODY_PLACE_STRENGTH * s_tb
        return PlaceEvidence(PlaceRelation.SAME, strength, _display(ma, mb), village)
    if a.sites and b.sites and max(s_tt, s_tb) < DIFFERENT_PLACE_CONTAINMENT:
        return PlaceEvidence(PlaceRelation.DIFFERENT, s_tt, None, village)
    if village is PlaceRelation.SAME:
        return PlaceEvidence(PlaceRelation.SAME, SAME_VILLAGE_STRENGTH, village_a, village)
    return PlaceEvidence(PlaceRelation.UNKNOWN, max(s_tt, s_tb), None, village)


def different_districts(a: Analysis, b: Analysis) -> bool:
    """True when both name a district code at some level and the codes differ."""
    if not a.districts or not b.districts:
        return False
    for level in ("province", "city", "county"):
        la = {code for lv, code in a.districts if lv == level}
        lb = {code for lv, code in b.districts if lv == level}
        if la and lb and not (la & lb):
            return True
    return False


def combine(matter: float, ev: PlaceEvidence, a: Analysis, b: Analysis) -> float:
    """Final similarity in 0..1 from the matter cosine and the place evidence."""
    m = min(max(matter, 0.0), 1.0)
    if ev.relation is PlaceRelation.SAME and m >= MIN_MATTER_FOR_BOOST:
        score = float(m ** (1.0 - SAME_PLACE_BOOST * min(ev.strength, 1.0)))
    elif ev.relation is PlaceRelation.SAME:
        score = m
    elif ev.relation is PlaceRelation.DIFFERENT:
        score = m * DIFFERENT_PLACE_FACTOR
    else:
        one_sided = bool(a.all_sites) != bool(b.all_sites)
        score = m * (ONE_SIDED_PLACE_FACTOR if one_sided else UNKNOWN_PLACE_FACTOR)
        # Two different townships/streets with no precise place in common.
        if a.areas and b.areas and not (a.areas & b.areas):
            score *= DIFFERENT_AREA_FACTOR
    # Checked whatever the place relation: 中心医院 or 实验中学 in two different
    # counties share a name, not a place.
    if different_districts(a, b):
        score *= DIFFERENT_DISTRICT_FACTOR
    if ev.village_relation is PlaceRelation.DIFFERENT:
        score *= DIFFERENT_VILLAGE_FACTOR
    return score
