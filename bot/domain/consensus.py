"""How the opinions gathered before a meeting are weighed: agreement and division.

Each opinion has votes 同意 (agree), 不同意 (disagree) and 跳过 (pass). A pass says "I have no
view", so it counts neither way; it is still shown, because many passes mean the opinion
did not speak to people.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# A 95 % confidence bound.
_Z = 1.96
# Division needs both sides to be real: each at least this share of the decided votes …
DIVISIVE_SHARE = 0.3
# … among at least this many decided votes (two against two is the smallest real split).
DIVISIVE_MIN_VOTES = 4


@dataclass(frozen=True)
class Tally:
    agree: int = 0
    disagree: int = 0
    passes: int = 0

    @property
    def decided(self) -> int:
        return self.agree + self.disagree

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.passes


def agreement(tally: Tally) -> float:
    """The lower bound of the Wilson score interval of the agree share (0 … 1).

    Why not agree − disagree: it ranks by how many people happened to see an opinion, so
    the first opinions of a topic (seen longest) always win. Why not the plain agree share:
    one vote of one gives 100 % and beats 19 of 20. The Wilson lower bound is the agree
    share we can be fairly sure of given the votes so far: high only when the share is high
    *and* enough people voted. It is what Reddit's "best" order uses for the same problem.
    """
    n = tally.decided
    if n == 0:
        return 0.0
    share = tally.agree / n
    z2 = _Z * _Z
    centre = share + z2 / (2 * n)
    spread = _Z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    return (centre - spread) / (1 + z2 / n)


def is_divisive(tally: Tally) -> bool:
    """Both sides hold: agree and disagree each at least 30 % of at least 4 decided votes.

    These are the opinions a deliberation has to work through, so the digest lists them
    apart instead of letting them sink to the middle of the ranking.
    """
    n = tally.decided
    if n < DIVISIVE_MIN_VOTES:
        return False
    return tally.agree / n >= DIVISIVE_SHARE and tally.disagree / n >= DIVISIVE_SHARE


def division(tally: Tally) -> float:
    """How evenly and how widely an opinion divides: the smaller side's share × votes."""
    n = tally.decided
    return 0.0 if n == 0 else min(tally.agree, tally.disagree) / n * math.log1p(n)
