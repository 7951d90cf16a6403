"""Telegram's formatting rules: HTML/MarkdownV2 checks, text limits and keyboard validation.

The HTML parser is deliberately as strict as Telegram's: a bot that forgets to escape user
input (``<``, ``&``) gets the same ``can't parse entities`` error it would get in production.
"""

from __future__ import annotations

import re
from typing import Any

from fake_telegram.state import ApiError, JsonDict, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_TAG_NAME_RE = re.compile(r"[^\s>/]*")
_ATTR_RE = re.compile(r"""\s*([a-zA-Z_-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")


class EntityParseError(Exception):
    pass


def utf16_len(text: str) -> int:
    """Telegram measures offsets and limits in UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, index: int) -> tuple[str, int]:
    match = _ENTITY_RE.match(text, index)
    if match is None:
        raise EntityParseError(
            f"Can't find end of the entity starting at byte offset {_byte_offset(text, index)}"
        )
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                f"Invalid character code at byte offset {_byte_offset(text, index)}"
            )
        return chr(code), match.end()
    if body not in _NAMED_ENTITIES:
        raise EntityParseError(
            f'Unsupported HTML entity "&{body};" at byte offset {_byte_offset(text, index)}'
        )
    return _NAMED_ENTITIES[body], match.end()


def _unescape(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            char, i = _decode_entity(value, i)
            out.append(char)
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _parse_attrs(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR_RE.finditer(raw):
        name, value = match.group(1).lower(), match.group(2)
        if value is None:
            attrs[name] = ""
        else:
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            attrs[name] = _unescape(value)
    return attrs


def _entity_for(name: str, attrs: dict[str, str], offset: int, length: int) -> JsonDict | None:
    kind = _SIMPLE_TAGS[name]
    entity: JsonDict = {"type": kind, "offset": offset, "length": length}
    if name == "a":
        href = attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif name == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Returns the visible text and its entities, or raises ``EntityParseError``."""
    plain: list[str] = []
    plain_len = 0  # in UTF-16 units, tracked incrementally so offsets stay cheap
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[JsonDict] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            decoded, i = _decode_entity(text, i)
            plain.append(decoded)
            plain_len += utf16_len(decoded)
            continue
        if char != "<":
            plain.append(char)
            plain_len += utf16_len(char)
            i += 1
            continue
        start = i
        close = text.find(">", i)
        if close < 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        inner = text[i + 1 : close]
        i = close + 1
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(text, start)}"
                )
            open_name, attrs, offset = stack.pop()
            if open_name != name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, start)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            if plain_len > offset:
                entity = _entity_for(name, attrs, offset, plain_len - offset)
                if entity is not None:
                    entities.append(entity)
            continue
        name_match = _TAG_NAME_RE.match(inner)
        name = name_match.group(0).lower() if name_match else ""
        if name not in _SIMPLE_TAGS or inner.rstrip().endswith("/"):
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, start)}'
            )
        attrs = _parse_attrs(inner[len(name) :])
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        if name == "code" and stack and stack[-1][0] == "pre":
            language = attrs.get("class", "").removeprefix("language-")
            if language:
                stack[-1][1]["language"] = language
        stack.append((name, attrs, plain_len))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    # A <code> directly inside <pre> only carries the language, as in Telegram's own output.
    pres = {(e["offset"], e["length"]) for e in entities if e["type"] == "pre"}
    entities = [
        e for e in entities if not (e["type"] == "code" and (e["offset"], e["length"]) in pres)
    ]
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


_MD2_ALWAYS_RESERVED = set(".-=+#{}!")


def check_markdown_v2(text: str) -> None:
    """Catches the usual MarkdownV2 bug: user text with an unescaped reserved character.

    Only characters that can never be markup are checked, so valid markup is never rejected.
    """
    i = 0
    in_code = False
    in_url = False
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":
            in_code = not in_code
        elif in_code:
            pass
        elif in_url:
            in_url = char != ")"
        elif char == "(" and i > 0 and text[i - 1] == "]":
            in_url = True
        elif char in _MD2_ALWAYS_RESERVED and not (char == "!" and text[i + 1 : i + 2] == "["):
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        i += 1


def format_text(text: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    """Applies ``parse_mode`` the way Telegram does, raising a 400 on malformed markup."""
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            check_markdown_v2(text)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    if mode and mode not in ("markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return text, []


def inline_rows(markup: JsonDict | None) -> list[list[JsonDict]]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard")
    return rows if isinstance(rows, list) else []


_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def validate_reply_markup(markup: Any) -> JsonDict | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" must be an Array of Array')
        for row in rows:
            for button in row:
                _validate_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" must be an Array of Array')
    elif not ("remove_keyboard" in markup or "force_reply" in markup):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text is not specified")
    if not any(key in button for key in _BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA
    ):
        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
