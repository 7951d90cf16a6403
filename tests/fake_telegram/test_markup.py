"""The HTML/MarkdownV2 checks that catch un-escaped user text."""

from __future__ import annotations

import html

import pytest

from fake_telegram import EntityParseError, parse_html
from fake_telegram.markup import check_markdown_v2, format_text, validate_reply_markup
from fake_telegram.state import ApiError


def test_escaped_user_text_passes() -> None:
    raw = '<script>alert("x")</script> & 1 < 2'
    text, entities = parse_html(f"<b>{html.escape(raw)}</b>")
    assert text == raw
    assert entities == [{"type": "bold", "offset": 0, "length": len(raw)}]


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        ("<script>x</script>", 'Unsupported start tag "script"'),
        ("a < b", "Unclosed start tag"),
        ("Tom & Jerry", "Can't find end of the entity"),
        ("&nbsp;", "Unsupported HTML entity"),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("line<br/>break", 'Unsupported start tag "br"'),
        ('<span class="red">x</span>', 'must have class "tg-spoiler"'),
    ],
)
def test_bad_html_is_rejected(markup: str, message: str) -> None:
    with pytest.raises(EntityParseError, match=message):
        parse_html(markup)


def test_all_supported_tags_and_entities() -> None:
    text, entities = parse_html(
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><a href="https://x.org/?a=1&amp;b=2">link</a>'
        '<code>c</code><pre><code class="language-python">p</code></pre>'
        '<tg-spoiler>t</tg-spoiler><span class="tg-spoiler">h</span>'
        '<blockquote expandable>q</blockquote><tg-emoji emoji-id="5368324170671202286">👍'
        "</tg-emoji>&lt;&gt;&amp;&quot;&#39;&#x1F600;"
    )
    assert text.endswith("👍<>&\"'😀")
    kinds = [e["type"] for e in entities]
    assert kinds.count("bold") == 2 and "expandable_blockquote" in kinds
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://x.org/?a=1&b=2"
    pre = next(e for e in entities if e["type"] == "pre")
    assert pre["language"] == "python"
    emoji = next(e for e in entities if e["type"] == "custom_emoji")
    assert emoji["length"] == 2  # UTF-16 units


def test_format_text_errors_are_telegram_shaped() -> None:
    with pytest.raises(ApiError) as caught:
        format_text("<x>", "HTML")
    assert caught.value.status == 400
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")
    assert format_text("<x>", None) == ("<x>", [])


def test_markdown_v2_reserved_characters() -> None:
    check_markdown_v2(r"*粗体* [链接](https://x.org/a.b) `a.b` 1\.5")
    with pytest.raises(EntityParseError, match=r"'\.' is reserved"):
        check_markdown_v2("版本 1.5")


def test_keyboard_validation() -> None:
    ok = {"inline_keyboard": [[{"text": "同意", "callback_data": "v" * 64}]]}
    assert validate_reply_markup(ok) == ok
    with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
        validate_reply_markup({"inline_keyboard": [[{"text": "x", "callback_data": "长" * 22}]]})
    with pytest.raises(ApiError, match="Text buttons are unallowed"):
        validate_reply_markup({"inline_keyboard": [[{"text": "x"}]]})
