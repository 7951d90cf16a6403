"""Cutting a long HTML message into parts Telegram accepts.

Telegram takes at most 4,096 characters of text after its HTML is parsed, counted in
UTF-16 units (an emoji or a rare character counts twice). So a cut must not fall inside a
tag or an entity (`&amp;`), a tag open at the cut is closed at the end of the part and
opened again at the start of the next, and the count skips tags and counts an entity as one
character. Cuts fall at a line break where there is one in the second half of a part.
"""

from __future__ import annotations

import re

TELEGRAM_TEXT_LIMIT = 4096

# A tag, an entity, or one character.
_ATOM = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _weight(atom: str) -> int:
    if atom.startswith("<") and atom.endswith(">") and len(atom) > 1:
        return 0
    if atom.startswith("&") and atom.endswith(";") and len(atom) > 1:
        return 1
    return utf16_length(atom)


def _closing(opened: list[str]) -> str:
    names = []
    for tag in reversed(opened):
        match = _TAG_NAME.match(tag)
        if match is not None:
            names.append(f"</{match.group(1)}>")
    return "".join(names)


def _track(opened: list[str], atom: str) -> None:
    if not (atom.startswith("<") and atom.endswith(">")) or len(atom) < 3:
        return
    match = _TAG_NAME.match(atom)
    if match is None:
        return
    name = match.group(1).lower()
    if atom.startswith("</"):
        for index in range(len(opened) - 1, -1, -1):
            found = _TAG_NAME.match(opened[index])
            if found is not None and found.group(1).lower() == name:
                del opened[index]
                break
    elif not atom.endswith("/>"):
        opened.append(atom)


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Parts of at most `limit` characters (as Telegram counts them), whole tags and entities."""
    atoms = _ATOM.findall(text)
    if sum(_weight(atom) for atom in atoms) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    weight = 0
    opened: list[str] = []
    # The last line break in the current part: where it was, and the tags open there.
    last_break: tuple[int, int, list[str]] | None = None
    for atom in atoms:
        atom_weight = _weight(atom)
        if weight + atom_weight > limit and current:
            if last_break is not None and last_break[1] * 2 >= limit:
                index, kept_weight, open_there = last_break
                head, tail = current[:index], current[index:]
                parts.append("".join(head) + _closing(open_there))
                current = list(open_there) + tail
                weight -= kept_weight
            else:
                parts.append("".join(current) + _closing(opened))
                current, weight = list(opened), 0
            last_break = None
        current.append(atom)
        weight += atom_weight
        _track(opened, atom)
        if atom == "\n":
            last_break = (len(current), weight, list(opened))
    if current:
        parts.append("".join(current))
    return [part for part in parts if part.strip()]
