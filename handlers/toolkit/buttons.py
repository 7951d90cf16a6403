"""Callback data: one declaration per button kind gives its builder, pattern and parser.

A button kind is a frozen dataclass that subclasses `Button` with a short prefix::

    @dataclass(frozen=True)
    class OpenIssue(Button, prefix="is"):
        issue: int

    OpenIssue(issue=12).data()       -> "is:12"
    OpenIssue.pattern()              -> "^is:(?:\\d{1,10})$"
    OpenIssue.parse("is:12")         -> OpenIssue(issue=12)

Fields are `int` (0 … 10¹²), `bool` (0/1), `Literal["a", "b"]` (one of a few words), or
`Annotated[str, Token(regex)]` (a short opaque key). Nothing translated ever goes into
callback data: Telegram caps it at 64 bytes and a Chinese character takes three. Whatever
arrives is input like any other: `parse` returns None for anything that is not exactly the
declared shape, and every kind is registered so a test can walk all of them.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self, get_args, get_origin

MAX_CALLBACK_BYTES = 64
# Ids are 32-bit integers in the database (PostgreSQL INTEGER): a larger forged id must be
# refused here, not fail in the driver.
MAX_INT = 2**31 - 1
_SEPARATOR = ":"
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9.]{0,7}$")


@dataclass(frozen=True)
class Token:
    """An opaque string field (a key, a short code) and the characters it may hold."""

    regex: str


@dataclass(frozen=True)
class _FieldCodec:
    name: str
    regex: str
    decode: Callable[[str], object]
    encode: Callable[[Any], str]
    # The longest value's encoding, for the 64-byte check.
    widest: str


def _int_codec(name: str) -> _FieldCodec:
    def encode(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
            raise ValueError(f"{name} must be an int in 0…{MAX_INT}, got {value!r}")
        return str(value)

    return _FieldCodec(name, r"\d{1,10}", int, encode, str(MAX_INT))


def _bool_codec(name: str) -> _FieldCodec:
    def encode(value: Any) -> str:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be a bool, got {value!r}")
        return "1" if value else "0"

    return _FieldCodec(name, r"[01]", lambda raw: raw == "1", encode, "1")


def _choice_codec(name: str, choices: tuple[str, ...]) -> _FieldCodec:
    for choice in choices:
        if not re.fullmatch(r"[a-z0-9_]{1,16}", choice):
            raise TypeError(f"{name}: choice {choice!r} must be a short lowercase word")

    def encode(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"{name} must be one of {choices}, got {value!r}")
        return str(value)

    regex = "|".join(re.escape(choice) for choice in sorted(choices, key=len, reverse=True))
    return _FieldCodec(name, f"(?:{regex})", str, encode, max(choices, key=len))


def _token_codec(name: str, token: Token) -> _FieldCodec:
    if _SEPARATOR in token.regex:
        raise TypeError(f"{name}: a token may not contain '{_SEPARATOR}'")
    compiled = re.compile(token.regex)
    widest = _widest_match(token.regex)

    def encode(value: Any) -> str:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(f"{name} must match {token.regex}, got {value!r}")
        return value

    return _FieldCodec(name, f"(?:{token.regex})", str, encode, widest)


def _widest_match(regex: str) -> str:
    """The longest string a bounded token regex admits: its largest {m,n} repetition."""
    bounds = [int(upper) for upper in re.findall(r"\{\d+,(\d+)\}", regex)]
    if not bounds:
        raise TypeError(f"token regex {regex!r} needs an upper bound, e.g. {{1,40}}")
    return "x" * sum(bounds)


def _codec_for(name: str, annotation: Any) -> _FieldCodec:
    if annotation is int:
        return _int_codec(name)
    if annotation is bool:
        return _bool_codec(name)
    origin = get_origin(annotation)
    if origin is Literal:
        return _choice_codec(name, tuple(str(arg) for arg in get_args(annotation)))
    if origin is typing.Annotated:
        base, *extras = get_args(annotation)
        tokens = [extra for extra in extras if isinstance(extra, Token)]
        if base is str and len(tokens) == 1:
            return _token_codec(name, tokens[0])
    raise TypeError(f"button field {name}: unsupported type {annotation!r}")


class Button:
    """Base of every button kind; see the module docstring."""

    PREFIX: ClassVar[str]
    _codecs: ClassVar[tuple[_FieldCodec, ...] | None] = None
    _compiled: ClassVar[re.Pattern[str] | None] = None
    registry: ClassVar[dict[str, type[Button]]] = {}

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is None:
            return  # an abstract base adding shared fields (see FlowButton)
        if not _PREFIX_RE.match(prefix):
            raise TypeError(f"button prefix {prefix!r}: 1-8 lowercase letters, digits, dots")
        if prefix in Button.registry:
            raise TypeError(f"button prefix {prefix!r} is declared twice")
        cls.PREFIX = prefix
        Button.registry[prefix] = cls

    @classmethod
    def _fields(cls) -> tuple[_FieldCodec, ...]:
        # Built on first use: the dataclass decorator runs after __init_subclass__.
        if cls._codecs is None:
            hints = typing.get_type_hints(cls, include_extras=True)
            codecs = tuple(
                _codec_for(field.name, hints[field.name])
                for field in dataclasses.fields(cls)  # type: ignore[arg-type]
            )
            widest = _SEPARATOR.join([cls.PREFIX, *(codec.widest for codec in codecs)])
            if len(widest.encode()) > MAX_CALLBACK_BYTES:
                raise TypeError(f"{cls.__name__}: callback data can exceed 64 bytes")
            cls._codecs = codecs
        return cls._codecs

    @classmethod
    def pattern(cls) -> str:
        """The anchored regex a CallbackQueryHandler routes this kind with."""
        parts = [re.escape(cls.PREFIX), *(f"({codec.regex})" for codec in cls._fields())]
        return "^" + _SEPARATOR.join(parts) + "$"

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The button a press carried, or None when the data is not exactly this kind."""
        if not isinstance(data, str) or len(data.encode()) > MAX_CALLBACK_BYTES:
            return None
        if cls._compiled is None:
            cls._compiled = re.compile(cls.pattern())
        match = cls._compiled.match(data)
        if match is None:
            return None
        values = {
            codec.name: codec.decode(raw)
            for codec, raw in zip(cls._fields(), match.groups(), strict=True)
        }
        try:
            parsed = cls(**values)
            parsed.data()  # re-encode: rejects out-of-range values the regex let through
        except ValueError:
            return None
        return parsed

    def data(self) -> str:
        """The callback data for this button (validated; at most 64 bytes)."""
        encoded = [codec.encode(getattr(self, codec.name)) for codec in self._fields()]
        return _SEPARATOR.join([self.PREFIX, *encoded])


def button_kind(data: object) -> type[Button] | None:
    """Which declared kind a piece of callback data claims to be (by its prefix)."""
    if not isinstance(data, str):
        return None
    return Button.registry.get(data.split(_SEPARATOR, 1)[0])
