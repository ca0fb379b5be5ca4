"""The RFC 8941 structured-field subset used by RFC 9421 signatures and RFC 9530 digests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compagnon.federation.signing.signatures_sfv import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    parse_inner_list_text,
    serialize_bare_item,
    serialize_dictionary,
    serialize_inner_list,
)


def test_signature_input_round_trips_to_the_same_text() -> None:
    text = (
        'sig1=("@method" "@target-uri" "@query-param";name="Pet" "content-digest")'
        ';created=1618884473;keyid="https://a.example/u#main-key";alg="rsa-v1_5-sha256"'
        ', proxy=();nonce="x\\"y\\\\z";flag'
    )
    parsed = parse_dictionary(text)
    assert list(parsed) == ["sig1", "proxy"]
    sig1 = parsed["sig1"]
    assert isinstance(sig1, InnerList)
    assert sig1.items[2] == Item("@query-param", (("name", "Pet"),))
    assert dict(sig1.params)["created"] == 1618884473
    proxy = parsed["proxy"]
    assert isinstance(proxy, InnerList)
    assert dict(proxy.params) == {"nonce": 'x"y\\z', "flag": True}
    assert serialize_dictionary(parsed) == text


def test_bare_item_types() -> None:
    parsed = parse_dictionary("a=1, b=-2.5, c=?0, d=tok/en:1, e=:aGk=:, f, g=:aGk:")
    assert parsed == {
        "a": Item(1),
        "b": Item(Decimal("-2.5")),
        "c": Item(False),
        "d": Item(Token("tok/en:1")),
        "e": Item(b"hi"),
        "f": Item(True),
        "g": Item(b"hi"),  # missing "=" padding is tolerated (RFC 8941 §4.2.7)
    }
    assert serialize_bare_item(Decimal("1.23456")) == "1.235"
    assert serialize_bare_item(Decimal("2")) == "2.0"


def test_later_duplicate_key_wins() -> None:
    assert parse_dictionary("a=1, a=2") == {"a": Item(2)}


def test_parse_inner_list_text() -> None:
    inner = parse_inner_list_text('("date" "@method");created=1')
    assert serialize_inner_list(inner) == '("date" "@method");created=1'
    with pytest.raises(StructuredFieldError):
        parse_inner_list_text('"date"')


@pytest.mark.parametrize(
    "text",
    [
        "A=1",
        "a=",
        "a=1,",
        "a=1 b=2",
        "a=(1 2",
        'a="unterminated',
        'a="bad \\x escape"',
        'a="tab\tinside"',
        "a=:not base64!:",
        "a=:abc",
        "a=?2",
        "a=1234567890123456",
        "a=1234567890123.5",
        "a=1.2345",
        "a=1.",
        "a=-",
        "a=(1;)",
        "a=é",
        "a=1;B=2",
        "a=(1)(2)",
    ],
)
def test_malformed_values_raise(text: str) -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


@pytest.mark.parametrize("value", ["é", "line\nbreak", Token("1abc"), Token("a b"), 10**16])
def test_unserialisable_values_raise(value: str | Token | int) -> None:
    with pytest.raises(StructuredFieldError):
        serialize_bare_item(value)
