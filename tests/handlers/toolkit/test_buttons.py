"""Every declared button kind: builder, pattern and parser agree, and nothing else parses."""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass
from typing import Annotated, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.application  # noqa: F401  (imports every handler module, so every kind registers)
from handlers.toolkit.buttons import MAX_CALLBACK_BYTES, MAX_INT, Button, Token, button_kind

KINDS = sorted(Button.registry.values(), key=lambda kind: kind.PREFIX)


def _values(kind: type[Button]) -> st.SearchStrategy[Button]:
    hints = typing.get_type_hints(kind, include_extras=True)
    fields: dict[str, st.SearchStrategy[object]] = {}
    for field in dataclasses.fields(kind):  # type: ignore[arg-type]
        hint = hints[field.name]
        origin = typing.get_origin(hint)
        if hint is int:
            fields[field.name] = st.integers(0, MAX_INT)
        elif hint is bool:
            fields[field.name] = st.booleans()
        elif origin is Literal:
            fields[field.name] = st.sampled_from(typing.get_args(hint))
        else:
            token = next(a for a in typing.get_args(hint) if isinstance(a, Token))
            fields[field.name] = st.from_regex(rf"\A{token.regex}\Z")
    return st.builds(kind, **fields)


def test_there_are_kinds_and_their_prefixes_do_not_collide() -> None:
    assert len(KINDS) >= 30
    prefixes = [kind.PREFIX for kind in KINDS]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.PREFIX)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_round_trip_within_64_bytes(kind: type[Button], data: st.DataObject) -> None:
    press = data.draw(_values(kind))
    encoded = press.data()
    assert len(encoded.encode()) <= MAX_CALLBACK_BYTES
    assert re.match(kind.pattern(), encoded)
    assert kind.parse(encoded) == press
    assert button_kind(encoded) is kind
    # No other kind takes it.
    assert [other for other in KINDS if other.parse(encoded) is not None] == [kind]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.PREFIX)
def test_malformed_data_does_not_parse(kind: type[Button]) -> None:
    has_fields = bool(dataclasses.fields(kind))  # type: ignore[arg-type]
    only_ints = all(
        typing.get_type_hints(kind)[f.name] is int
        for f in dataclasses.fields(kind)  # type: ignore[arg-type]
    )
    for garbage in (
        None,
        "",
        kind.PREFIX if has_fields else kind.PREFIX + ":1",
        kind.PREFIX + ":",
        kind.PREFIX + ":-1",
        kind.PREFIX + ":1:2:3:4:5:6",
        kind.PREFIX + ":" + "9" * 13 if only_ints else kind.PREFIX + ":!",
        kind.PREFIX + ":abc",
        kind.PREFIX + ":1 OR 1=1",
        "x" * 65,
        "语" * 30,
    ):
        assert kind.parse(garbage) is None, garbage


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_random_text_parses_only_as_what_it_encodes(text: str) -> None:
    for kind in KINDS:
        press = kind.parse(text)
        if press is not None:
            assert press.data() == text


def test_declarations_are_checked() -> None:
    @dataclass(frozen=True)
    class TooWide(Button, prefix="t.wide"):
        key: Annotated[str, Token(r"[a-z]{1,80}")]

    with pytest.raises(TypeError, match="64 bytes"):
        TooWide.pattern()
    with pytest.raises(TypeError, match="twice"):

        class Twice(Button, prefix="sf.is"):
            pass

    with pytest.raises(TypeError, match="prefix"):

        class BadPrefix(Button, prefix="Not A Prefix"):
            pass

    @dataclass(frozen=True)
    class Choice(Button, prefix="t.ch"):
        answer: Literal["ok", "no"]

    assert Choice.parse("t.ch:ok") == Choice("ok")
    assert Choice.parse("t.ch:maybe") is None
    with pytest.raises(ValueError, match="one of"):
        Choice("maybe").data()  # type: ignore[arg-type]
