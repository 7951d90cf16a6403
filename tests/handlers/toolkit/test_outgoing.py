from __future__ import annotations

from handlers.render import esc
from handlers.toolkit.outgoing import split_text


def test_split_text_keeps_every_character_and_respects_the_limit() -> None:
    text = "\n".join(f"第{i}行" + "字" * 50 for i in range(300))
    parts = split_text(text, limit=500)
    assert "".join(parts) == text
    assert all(len(part) <= 500 for part in parts)


def test_split_text_cuts_lines_longer_than_the_limit() -> None:
    parts = split_text("长" * 1200, limit=500)
    assert [len(p) for p in parts] == [500, 500, 200]


def test_escape() -> None:
    assert esc("<b>&") == "&lt;b&gt;&amp;"
