"""Candidate explanations: the same words in every process."""

from __future__ import annotations

import os
import subprocess
import sys

_FRAMING_ORDER = (
    "from bot.grouping.explain import _framing_longest_first as f; print('|'.join(f()))"
)


def test_framing_words_are_tried_in_one_order_whatever_the_hash_seed() -> None:
    """Suggested titles strip framing words in this order; it once followed a set's order,
    so a title could differ from one process to the next."""
    orders = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _FRAMING_ORDER], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        orders.add(done.stdout)
    assert len(orders) == 1
    words = next(iter(orders)).strip().split("|")
    assert len(words) > 10
    assert [len(w) for w in words] == sorted((len(w) for w in words), reverse=True)
