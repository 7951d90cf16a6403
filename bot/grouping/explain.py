"""Why a candidate topic holds together, in words staff can check.

A candidate shows the place its members share, the matter words several of them use,
and for every member the words that tie it to the others: a member joined mostly by the
place (油烟 among complaints about 噪音 of the same restaurants) shows which of its
words the others also use, so a mixed group is easy to spot and split.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache

from bot.grouping.features import IssueParts, terms
from bot.grouping.places import PlaceMention, core_bigrams, gram_containment
from bot.grouping.wordlists import complaint_words

# Containment at or above which two place cores name the same place (万科魅力之城 ~
# 魅力之城, but not 丽发新城 ~ 武广新城).
SAME_PLACE_CONTAINMENT = 0.66
MAX_KEY_TERMS = 5
MAX_MEMBER_TERMS = 3
_TITLE_TAILS = ("的问题", "问题", "的投诉", "的情况")
_EDGE_PUNCT = " ,.!?;:，。！？；：、“”\"'()（）|"
_BLANKS = re.compile(r"\|+")


def shared_place(parts: Sequence[IssueParts]) -> str | None:
    """The place named by most members, if at least two and half of them name it."""
    per_member: list[list[PlaceMention]] = [[*p.sites, *p.body_sites] for p in parts]
    texts: Counter[str] = Counter()
    cores: dict[str, str] = {}
    for mentions in per_member:
        for m in {m.core: m for m in mentions}.values():
            texts[m.text] += 1
            cores[m.text] = m.core
    for p in parts:
        for name in set(p.anchored):
            texts[name] += 1
            cores[name] = name
    best: tuple[int, int, str] | None = None
    for text, _ in texts.most_common(12):
        core = cores[text]
        # A mention carries its core's bigrams (core_containment's sets).
        grams = core_bigrams(core)
        covered = sum(
            1
            for mentions, p in zip(per_member, parts, strict=True)
            if any(gram_containment(grams, m.grams) >= SAME_PLACE_CONTAINMENT for m in mentions)
            or any(
                gram_containment(grams, core_bigrams(a)) >= SAME_PLACE_CONTAINMENT
                for a in p.anchored
            )
        )
        cand = (covered, texts[text], text)
        if best is None or cand > best:
            best = cand
    if best is not None and best[0] >= 2 and best[0] * 2 >= len(parts):
        return best[2]
    return None


def shared_village(villages: Sequence[str | None]) -> str | None:
    present = [v for v in villages if v is not None]
    if present and len(set(present)) == 1 and len(present) * 2 >= len(villages):
        return present[0]
    return None


def _matter_text(p: IssueParts) -> str:
    return p.title_matter + "|" + p.body_matter


def member_words(parts: Sequence[IssueParts]) -> list[tuple[str, ...]]:
    """Each member's title words (see features.terms), computed once per candidate."""
    return [terms(p) for p in parts]


def key_terms(words: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    """Matter words used by several members (by one when alone), most used first."""
    counts: Counter[str] = Counter()
    for w in words:
        counts.update(w)
    need = 2 if len(words) > 1 else 1
    ranked = sorted(
        (t for t, c in counts.items() if c >= need), key=lambda t: (-counts[t], -len(t), t)
    )
    return tuple(ranked[:MAX_KEY_TERMS])


def member_terms(
    parts: Sequence[IssueParts], words: Sequence[tuple[str, ...]]
) -> list[tuple[str, ...]]:
    """For each member, its title words that some other member also uses (title or body)."""
    texts = [_matter_text(p) for p in parts]
    # How many members' texts hold each word, counted once per word; a member's own
    # text is then taken off its count.
    holding = {w: sum(w in t for t in texts) for w in {w for mine in words for w in mine}}
    out: list[tuple[str, ...]] = []
    for mine, own in zip(words, texts, strict=True):
        found = [(holding[w] - (w in own), w) for w in mine]
        found = [(c, w) for c, w in found if c > 0]
        found.sort(key=lambda cw: (-cw[0], -len(cw[1]), cw[1]))
        out.append(tuple(w for _, w in found[:MAX_MEMBER_TERMS]))
    return out


@cache
def _framing_longest_first() -> tuple[str, ...]:
    # Longest first, and words of one length in a fixed order: the set's own order
    # changes with the process's hash seed, and so did some suggested titles.
    return tuple(sorted((w for w in complaint_words() if len(w) >= 2), key=lambda w: (-len(w), w)))


@cache
def _framing_by_first() -> dict[str, tuple[tuple[int, str], ...]]:
    """The framing words by their first character, each with its place in the order."""
    out: dict[str, list[tuple[int, str]]] = {}
    for i, word in enumerate(_framing_longest_first()):
        out.setdefault(word[0], []).append((i, word))
    return {first: tuple(words) for first, words in out.items()}


def matter_phrase(p: IssueParts) -> str:
    """The title without places, district codes and complaint framing."""
    text = _BLANKS.sub("", p.title_matter).strip(_EDGE_PUNCT)
    # Passes over the framing words in order, each word stripped if the text then
    # starts with it, until a pass strips nothing. Only words starting with the text's
    # first character can match, so each step looks at those alone.
    by_first = _framing_by_first()
    after = 0  # the place in the order the current pass has reached
    changed = False
    while True:
        hit = next(
            (
                (i, word)
                for i, word in by_first.get(text[:1], ())
                if i >= after and text.startswith(word)
            ),
            None,
        )
        if hit is not None:
            text = text[len(hit[1]) :].lstrip(_EDGE_PUNCT)
            after, changed = hit[0] + 1, True
        elif changed:
            after, changed = 0, False  # a new pass
        else:
            break
    for tail in _TITLE_TAILS:
        if text.endswith(tail) and len(text) > len(tail) + 2:
            text = text[: -len(tail)]
    return text.strip(_EDGE_PUNCT + "的")


def suggest_title(place: str | None, central: IssueParts, words: Sequence[str]) -> str:
    """Shared place + the most central member's matter phrase, for staff to edit."""
    phrase = matter_phrase(central)
    if len(phrase) < 2:
        phrase = "、".join(words[:3])
    if place and place not in phrase:
        return f"{place}{phrase}"
    return phrase or (place or "")
