"""Structured Field Values (RFC 8941): the subset HTTP message signatures need.

This module owns parsing and serialising Dictionaries, Inner Lists, Items and Parameters, as used
by `Signature-Input`, `Signature` (RFC 9421) and `Content-Digest` (RFC 9530). The signature base
must contain the *serialised* form of the covered components, so the serialiser matters as much
as the parser. Every parse error is a `StructuredFieldError` (a ValueError) naming the position.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NoReturn


class StructuredFieldError(ValueError):
    """The text is not a valid structured field value."""


@dataclass(frozen=True)
class Token:
    """An sf-token (unquoted), kept apart from sf-string because they serialise differently."""

    value: str


BareItem = bool | int | Decimal | str | bytes | Token
Params = tuple[tuple[str, BareItem], ...]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = ()


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = ()


Member = Item | InnerList

_BASE64_CHARS = frozenset(string.ascii_letters + string.digits + "+/=")
_MAX_INTEGER = 999_999_999_999_999
# Regular expressions do the per-character work in C: verifying a request parses two headers.
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_STRING = re.compile(r'"((?:[ !#-\[\]-~]|\\["\\])*)"')
_ESCAPE = re.compile(r'\\(["\\])')
_NOT_PRINTABLE = re.compile(r"[^ -~]")


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def done(self) -> bool:
        return self.pos >= len(self.text)

    def skip(self, chars: str) -> None:
        while not self.done() and self.text[self.pos] in chars:
            self.pos += 1

    def fail(self, what: str) -> NoReturn:
        raise StructuredFieldError(f"{what} at character {self.pos}")


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse an sf-dictionary; a later duplicate key replaces the earlier one (RFC 8941 §4.2.2)."""
    reader = _Reader(text.strip(" "))
    result: dict[str, Member] = {}
    while not reader.done():
        key = _parse_key(reader)
        if reader.peek() == "=":
            reader.pos += 1
            result[key] = _parse_member(reader)
        else:
            result[key] = Item(True, _parse_params(reader))
        reader.skip(" \t")
        if reader.done():
            break
        if reader.peek() != ",":
            reader.fail("expected ','")
        reader.pos += 1
        reader.skip(" \t")
        if reader.done():
            reader.fail("trailing ','")
    return result


def parse_inner_list_text(text: str) -> InnerList:
    """Parse a lone inner list such as `("@method" "@path");created=1` (used by tests and tools)."""
    reader = _Reader(text.strip(" "))
    member = _parse_member(reader)
    if not reader.done() or not isinstance(member, InnerList):
        reader.fail("expected a single inner list")
    return member


def _parse_member(reader: _Reader) -> Member:
    if reader.peek() == "(":
        return _parse_inner_list(reader)
    value = _parse_bare_item(reader)
    return Item(value, _parse_params(reader))


def _parse_inner_list(reader: _Reader) -> InnerList:
    reader.pos += 1  # the "("
    items: list[Item] = []
    while not reader.done():
        reader.skip(" ")
        if reader.peek() == ")":
            reader.pos += 1
            return InnerList(tuple(items), _parse_params(reader))
        value = _parse_bare_item(reader)
        items.append(Item(value, _parse_params(reader)))
        if reader.peek() not in (" ", ")"):
            reader.fail("expected ' ' or ')' in inner list")
    reader.fail("unterminated inner list")


def _parse_params(reader: _Reader) -> Params:
    params: dict[str, BareItem] = {}
    while reader.peek() == ";":
        reader.pos += 1
        reader.skip(" ")
        key = _parse_key(reader)
        value: BareItem = True
        if reader.peek() == "=":
            reader.pos += 1
            value = _parse_bare_item(reader)
        params[key] = value
    return tuple(params.items())


def _parse_key(reader: _Reader) -> str:
    match = _KEY.match(reader.text, reader.pos)
    if match is None:
        reader.fail("expected a key")
    reader.pos = match.end()
    return match.group()


def _parse_bare_item(reader: _Reader) -> BareItem:
    char = reader.peek()
    if char == "-" or (char.isdigit() and char.isascii()):
        return _parse_number(reader)
    if char == '"':
        return _parse_string(reader)
    if char == ":":
        return _parse_bytes(reader)
    if char == "?":
        return _parse_boolean(reader)
    match = _TOKEN.match(reader.text, reader.pos)
    if match is None:
        reader.fail("expected an item")
    reader.pos = match.end()
    return Token(match.group())


def _parse_number(reader: _Reader) -> int | Decimal:
    start = reader.pos
    if reader.peek() == "-":
        reader.pos += 1
    while not reader.done() and reader.peek() in "0123456789.":
        reader.pos += 1
    text = reader.text[start : reader.pos]
    whole, dot, fraction = text.lstrip("-").partition(".")
    if not whole.isdigit() or (dot and not fraction.isdigit()):
        reader.fail(f"malformed number {text!r}")
    if not dot:
        if len(whole) > 15:
            reader.fail("integer too long")
        return int(text)
    if len(whole) > 12 or len(fraction) > 3:
        reader.fail("decimal too long")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the checks above admit only valid decimals
        reader.fail(f"malformed decimal {text!r}")


def _parse_string(reader: _Reader) -> str:
    match = _STRING.match(reader.text, reader.pos)
    if match is None:
        reader.fail("malformed string (unterminated, bad escape or non-printable character)")
    reader.pos = match.end()
    return _ESCAPE.sub(r"\1", match.group(1))


def _parse_bytes(reader: _Reader) -> bytes:
    reader.pos += 1  # the opening colon
    end = reader.text.find(":", reader.pos)
    if end < 0:
        reader.fail("unterminated byte sequence")
    encoded = reader.text[reader.pos : end]
    if not set(encoded) <= _BASE64_CHARS:
        reader.fail("invalid base64 in byte sequence")
    reader.pos = end + 1
    # RFC 8941 §4.2.7: parsers should not fail when the "=" padding is missing.
    padded = encoded.rstrip("=") + "=" * (-len(encoded.rstrip("=")) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except binascii.Error:
        reader.fail("invalid base64 in byte sequence")


def _parse_boolean(reader: _Reader) -> bool:
    value = reader.text[reader.pos + 1 : reader.pos + 2]
    if value not in ("0", "1"):
        reader.fail("expected ?0 or ?1")
    reader.pos += 2
    return value == "1"


def serialize_bare_item(value: BareItem) -> str:
    """Serialise one bare item as RFC 8941 §4.1.3 says."""
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > _MAX_INTEGER:
            raise StructuredFieldError(f"integer {value} out of range")
        return str(value)
    if isinstance(value, Decimal):
        return _serialize_decimal(value)
    if isinstance(value, str):
        if _NOT_PRINTABLE.search(value):
            raise StructuredFieldError("strings must be printable ASCII")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if not _TOKEN.fullmatch(value.value):
        raise StructuredFieldError(f"invalid token {value.value!r}")
    return value.value


def _serialize_decimal(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.001"))
    text = format(rounded, "f").rstrip("0")
    return text + "0" if text.endswith(".") else text


def serialize_params(params: Params) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={serialize_bare_item(value)}"
        for key, value in params
    )


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    body = " ".join(serialize_item(item) for item in inner.items)
    return f"({body}){serialize_params(inner.params)}"


def serialize_member(member: Member) -> str:
    if isinstance(member, InnerList):
        return serialize_inner_list(member)
    return serialize_item(member)


def serialize_dictionary(members: dict[str, Member]) -> str:
    parts = []
    for key, member in members.items():
        if isinstance(member, Item) and member.value is True:
            parts.append(key + serialize_params(member.params))
        else:
            parts.append(f"{key}={serialize_member(member)}")
    return ", ".join(parts)
