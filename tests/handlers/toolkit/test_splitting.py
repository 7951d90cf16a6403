"""Long HTML messages cut into parts Telegram accepts."""

from __future__ import annotations

from fake_telegram import parse_html
from handlers.render import esc
from handlers.toolkit.splitting import split_text, utf16_length


def _visible(part: str) -> str:
    plain, _entities = parse_html(part)  # Telegram's own check: tags balanced, entities whole
    return plain


def test_every_character_is_kept_within_the_limit_cut_at_line_breaks() -> None:
    text = "\n".join(f"第{i}行" + "字" * 50 for i in range(300))
    parts = split_text(text, limit=500)
    assert "".join(parts) == text
    assert all(len(_visible(part)) <= 500 for part in parts)
    assert all(part.endswith("\n") for part in parts[:-1])


def test_a_line_longer_than_the_limit_is_cut_anywhere() -> None:
    parts = split_text("长" * 1200, limit=500)
    assert [len(p) for p in parts] == [500, 500, 200]


def test_entities_are_never_cut_and_count_as_one_character() -> None:
    text = esc("&" * 1000)  # 5,000 characters of HTML, 1,000 of text
    assert split_text(text, limit=1000) == [text]
    parts = split_text(text, limit=300)
    assert all(_visible(part) == "&" * len(_visible(part)) for part in parts)
    assert "".join(_visible(part) for part in parts) == "&" * 1000


def test_open_tags_are_closed_and_opened_again_across_a_cut() -> None:
    text = "<b>标题</b>\n<blockquote>" + "很长的引文" * 200 + "</blockquote>"
    parts = split_text(text, limit=300)
    assert len(parts) > 2
    for part in parts[1:]:
        assert part.startswith("<blockquote>") and part.endswith("</blockquote>")
        _visible(part)  # balanced: Telegram would accept it
    assert "".join(_visible(part) for part in parts) == _visible(text)


def test_characters_beyond_the_basic_plane_count_twice() -> None:
    text = "😀" * 3000  # 3,000 characters, 6,000 UTF-16 units
    parts = split_text(text)
    assert len(parts) == 2
    assert all(utf16_length(part) <= 4096 for part in parts)
    assert "".join(parts) == text


def test_escape() -> None:
    assert esc("<b>&") == "&lt;b&gt;&amp;"
