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
from functools import lru_cache
from typing import cast

# zhconv ships no type information; importing it through importlib keeps mypy --strict
# clean without a per-module override in the shared pyproject.
_zhconv_convert = cast(Callable[[str, str], str], importlib.import_module("zhconv").convert)

# Any code point in this range may be a traditional character; pure ASCII/kana input
# never needs the (comparatively slow) dictionary conversion.
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Masked phone numbers ("138****5678", "1**********") and unmasked mobile numbers carry
# no topical signal but look alike across unrelated messages, inflating similarity.
_PHONE = re.compile(r"(?<![0-9A-Za-z])(?:\d*\*{3,}\d*|1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")

# Salutations and sign-offs that petitioners copy from templates. They are removed
# rather than down-weighted because they are frequent enough to dominate short texts.
_BOILERPLATE = re.compile(
    r"尊敬的[^，,。：:！!\s]{0,8}?(?:领导|书记|市长|县长|区长|镇长|乡长|局长|主任|政府|同志|工作人员)们?"
    r"|(?:各位|敬爱的)?(?:领导|书记|市长|县长|区长|镇长|乡长|局长|主任|同志)们?[，,]?(?:你|您)好"
    r"|(?:你|您)(?:们)?好"
    r"|此致敬礼|此致|敬礼|谢谢(?:您|你|你们|领导)?|感谢(?:您|你)的?(?:关注|回复)"
    r"|(?:望|请|恳请|希望)(?:领导|有关部门|相关部门)?(?:尽快|早日)?(?:给予)?(?:回复|答复)"
)

_SPACES = re.compile(r"\s+")
# Boilerplate removal can leave runs of punctuation ("：，！") at the start.
_LEADING_PUNCT = re.compile(r"^[\s，,。.：:！!；;、]+")


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """Convert traditional (and regional) Chinese to mainland simplified forms."""
    if not _CJK.search(text):
        return text
    return _zhconv_convert(text, "zh-cn")


def fold_width(text: str) -> str:
    """Fold full-width letters, digits, punctuation and the ideographic space.

    NFKC also maps compatibility ideographs and circled digits to their plain forms,
    which is what we want for comparison.
    """
    return unicodedata.normalize("NFKC", text)


def normalize_text(text: str) -> str:
    """Canonical form used for every comparison: simplified, half-width, no boilerplate."""
    if not text:
        return ""
    out = fold_width(text)
    out = to_simplified(out) if len(out) <= 256 else _zhconv_convert_long(out)
    out = _PHONE.sub(" ", out)
    out = _BOILERPLATE.sub(" ", out)
    out = _SPACES.sub(" ", out).strip()
    return _LEADING_PUNCT.sub("", out)


def _zhconv_convert_long(text: str) -> str:
    # Long bodies are rarely repeated verbatim, so caching them would only waste memory.
    if not _CJK.search(text):
        return text
    return _zhconv_convert(text, "zh-cn")
