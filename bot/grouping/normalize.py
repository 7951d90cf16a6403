"""Text normalisation so that differently typed versions of the same issue compare equal.

Residents type on phones with traditional or simplified input methods, full-width or
half-width keyboards, and often paste letter-like boilerplate ("尊敬的领导：您好！").
Everything downstream (place extraction, n-gram features, the category model) works on
the output of :func:`normalize_text`, so these variants never reach the features.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable
from typing import cast

# zhconv ships no type information; importing it through importlib keeps mypy --strict
# clean without a per-module override in the shared pyproject.
_zhconv = importlib.import_module("zhconv.zhconv")
_zhconv_convert = cast(Callable[[str, str], str], _zhconv.convert)
_LOCALE = "zh-cn"


def _trigger_chars() -> frozenset[str]:
    """Characters that convert to something else on their own (發, 區, 後, ...).

    Any traditional text contains some of them, so text without any is left alone:
    one set check is far cheaper than running the dictionary conversion over every
    body, and almost all input is already simplified.
    """
    table = cast(dict[str, str], _zhconv.getdict(_LOCALE))
    chars = {ch for key in table for ch in key}
    # A set lookup per character is much faster than a regex class of ~4,700 members.
    return frozenset(ch for ch in chars if ch.isalnum() and _zhconv_convert(ch, _LOCALE) != ch)


_TRADITIONAL = _trigger_chars()

# Masked phone numbers ("138****5678", "1**********") and unmasked mobile numbers carry
# no topical signal but look alike across unrelated messages, inflating similarity.
_PHONE = re.compile(r"\d*\*{3,}\d*|(?<![0-9A-Za-z])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
# Cheap pre-check: the phone pattern can only match with a star or 7+ digits in a row.
_MAYBE_PHONE = re.compile(r"\*|\d{7}")

# Salutations and sign-offs that petitioners copy from templates. They are removed
# rather than down-weighted because they are frequent enough to dominate short texts.
_BOILERPLATE = re.compile(
    r"(?:尊敬的[^，,。：:！!\s]{0,8}?"
    r"(?:领导|书记|市长|县长|区长|镇长|乡长|局长|主任|政府|同志|工作人员)们?"
    r"|(?:各位|敬爱的)?(?:领导|书记|市长|县长|区长|镇长|乡长|局长|主任|同志)们?[，,]?(?:你|您)好"
    r"|(?:你|您)们?好"
    r"|此致敬礼|此致|敬礼|谢谢(?:您|你|你们|领导)?|感谢(?:您|你)的?(?:关注|回复)"
    r"|(?:望|请|恳请|希望)(?:领导|有关部门|相关部门)?(?:尽快|早日)?(?:给予)?(?:回复|答复))"
    # The punctuation that followed the phrase goes with it.
    r"[\s，,。.：:！!；;]*"
)
# Every phrase above holds one of these characters (尊敬的, 好, 此致/敬礼, 谢, 回复/答复).
# Most openings and closings hold none, and looking for six characters is far cheaper
# than trying the phrases at every position. Keep it in step with the phrases.
_MAYBE_BOILERPLATE = re.compile("[尊好致礼谢复]")

_EDGE = 60
# Boilerplate removal can leave runs of punctuation ("：，！") at the start.
_LEADING_PUNCT = re.compile(r"^[\s，,。.：:！!；;、]+")
_LEADING_CHARS = frozenset("，,。.：:！!；;、")


def traditional_characters() -> frozenset[str]:
    """The characters whose presence makes to_simplified convert a text."""
    return _TRADITIONAL


def to_simplified(text: str) -> str:
    """Convert traditional (and regional) Chinese to mainland simplified forms."""
    if _TRADITIONAL.isdisjoint(text):
        return text
    return _zhconv_convert(text, _LOCALE)


def fold_width(text: str) -> str:
    """Fold full-width letters, digits, punctuation and the ideographic space.

    NFKC also maps compatibility ideographs and circled digits to their plain forms,
    which is what we want for comparison.
    """
    if unicodedata.is_normalized("NFKC", text):  # quick check, usually true
        return text
    return unicodedata.normalize("NFKC", text)


def normalize_text(text: str) -> str:
    """Canonical form used for every comparison: simplified, half-width, no boilerplate."""
    if not text:
        return ""
    return finish_normalizing(to_simplified(fold_width(text)))


def finish_normalizing(out: str, phone_like: bool | None = None) -> str:
    """The steps of normalize_text after width folding and script conversion.

    ``phone_like``: whether ``out`` holds a star or seven digits in a row, when the
    caller knows (a batch finds out in numpy); None to look here.
    """
    if phone_like is None:
        phone_like = _MAYBE_PHONE.search(out) is not None
    if phone_like:
        out = _PHONE.sub(" ", out)
    out = _strip_boilerplate(out)
    out = " ".join(out.split())
    # After the join the text starts with no space: only punctuation can be stripped.
    return _LEADING_PUNCT.sub("", out) if out[:1] in _LEADING_CHARS else out


def _strip_boilerplate(text: str) -> str:
    # Salutations open a letter and thanks close it; looking only there is faster on
    # long bodies and leaves a "你好" quoted in the middle of a complaint alone.
    if len(text) <= 2 * _EDGE:
        return _without_boilerplate(text)
    head, middle, tail = text[:_EDGE], text[_EDGE:-_EDGE], text[-_EDGE:]
    return _without_boilerplate(head) + middle + _without_boilerplate(tail)


def _without_boilerplate(part: str) -> str:
    return _BOILERPLATE.sub(" ", part) if _MAYBE_BOILERPLATE.search(part) else part
