"""The Chinese word lists the grouping relies on, read from the package's data files.

They are data, not code: a township can add a place suffix, a complaint word or a
category keyword by editing ``bot/grouping/words/*.txt``. A file holds words one per line
(or several separated by spaces), ``#`` starts a comment, and ``[name]`` starts a
section. Each list has one file; code that needs a list asks here.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

_PACKAGE = "bot.grouping"
_FOLDER = "words"


def data_path(name: str) -> Path:
    """Filesystem path of a data file (jieba loads user dictionaries from paths)."""
    return Path(str(resources.files(_PACKAGE).joinpath(_FOLDER, name)))


@cache
def sections(name: str) -> dict[str, tuple[str, ...]]:
    """Words of a data file by section, in file order (words before any header: "")."""
    text = resources.files(_PACKAGE).joinpath(_FOLDER, name).read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            out.setdefault(current, [])
            continue
        out.setdefault(current, []).extend(line.split())
    # Duplicates are dropped, keeping the first occurrence (order matters where the
    # longest of several suffixes must be tried first).
    return {key: tuple(dict.fromkeys(words)) for key, words in out.items()}


def words(name: str, section: str = "") -> tuple[str, ...]:
    """One section of a data file (the whole file when it has no sections)."""
    return sections(name).get(section, ())


def complaint_words() -> frozenset[str]:
    """Words that frame a complaint (投诉, 关于, 请问): never matter, never part of a name."""
    return frozenset(words("complaint_words.txt"))


def village_suffixes() -> tuple[str, ...]:
    """Type words of villages and communities (村委会, 社区, 村), longest first."""
    return tuple(sorted(words("place_suffixes.txt", "village"), key=len, reverse=True))
