"""Properties of the signature header parsers: any text is parsed or refused with a clear
error (SignatureError, StructuredFieldError), never another exception; structured fields
serialise and parse back to the same value."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compagnon.federation.signing.signatures import (
    KeyObj,
    PublicKeyInfo,
    SignatureError,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    sign_cavage,
    sign_rfc9421,
    verify_request,
)
from compagnon.federation.signing.signatures_sfv import (
    InnerList,
    Item,
    Member,
    StructuredFieldError,
    Token,
    parse_dictionary,
    parse_inner_list_text,
    serialize_dictionary,
    serialize_inner_list,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
INBOX = "https://node.example/users/ana/inbox"
BODY = b'{"type": "Like"}'
KEY_ID = "https://peer.example/users/bob#main-key"

# Text that reaches into the parsers: their separators, quotes, base64, numbers, controls.
header_text = st.one_of(
    st.text(max_size=120),
    st.text(alphabet='"(),;:=?*-_.@ \t\\/+09azAZkeyIdsignature\x00\r\né', max_size=120),
)
cavage_params = st.lists(
    st.tuples(
        st.sampled_from(
            ["keyId", "signature", "algorithm", "headers", "created", "expires", "x", "KEYID"]
        ),
        st.one_of(
            st.text(max_size=30).map(lambda t: '"' + t.replace('"', "") + '"'),
            st.integers(min_value=-5, max_value=10**25).map(str),
            st.sampled_from(['"hs2019"', '"rsa-sha256"', '"(request-target) host date"', "1.5"]),
        ),
    ),
    max_size=7,
).map(lambda pairs: ",".join(f"{name}={value}" for name, value in pairs))


@cache
def key() -> tuple[KeyObj, PublicKeyInfo]:
    private_pem, public_pem = generate_rsa_keypair()
    return load_private_key(private_pem), PublicKeyInfo(
        KEY_ID, "https://peer.example/users/bob", load_public_key(public_pem)
    )


async def key_lookup(key_id: str, refresh: bool) -> PublicKeyInfo | None:
    return key()[1] if key_id in (KEY_ID, "k") else None


def verify(headers: dict[str, str]) -> None:
    """verify_request may succeed or raise SignatureError; anything else fails the test."""
    try:
        asyncio.run(verify_request("POST", INBOX, headers, BODY, key_lookup, now=NOW))
    except SignatureError as exc:
        assert str(exc)


def signed(scheme: str) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    sign = sign_cavage if scheme == "cavage" else sign_rfc9421
    headers.update(sign("POST", INBOX, headers, BODY, KEY_ID, key()[0], now=NOW))
    return headers


@given(st.one_of(header_text, cavage_params))
def test_any_cavage_signature_header_is_parsed_or_refused(text: str) -> None:
    verify({**signed("cavage"), "Signature": text})


@given(st.sampled_from(["Date", "Digest", "Host"]), header_text)
def test_any_value_of_a_covered_header_is_refused_cleanly(name: str, text: str) -> None:
    verify({**signed("cavage"), name: text})


@given(
    st.sampled_from(["Signature-Input", "Signature", "Content-Digest"]),
    st.one_of(header_text, st.just('sig1=("@method");created=1;keyid="k"')),
)
def test_any_rfc9421_field_is_parsed_or_refused(name: str, text: str) -> None:
    verify({**signed("rfc9421"), name: text})


@given(header_text)
def test_any_text_is_a_structured_dictionary_or_a_structured_field_error(text: str) -> None:
    try:
        parse_dictionary(text)
    except StructuredFieldError as exc:
        assert "at character" in str(exc)
    try:
        parse_inner_list_text(text)
    except StructuredFieldError as exc:
        assert str(exc)


# RFC 8941 values that serialise: keys and tokens of their grammar, printable strings,
# integers of 15 digits, decimals of 12.3 digits.
LOWER = "abcdefghijklmnopqrstuvwxyz"
sf_keys = st.builds(
    str.__add__,
    st.sampled_from(LOWER + "*"),
    st.text(alphabet=LOWER + "0123456789_-.*", max_size=8),
)
sf_tokens = st.builds(
    str.__add__,
    st.sampled_from(LOWER + LOWER.upper() + "*"),
    st.text(alphabet=LOWER + LOWER.upper() + "0123456789!#$%&'*+-.^_`|~:/", max_size=8),
)
bare_items = st.one_of(
    st.booleans(),
    st.integers(min_value=-999_999_999_999_999, max_value=999_999_999_999_999),
    st.decimals(
        min_value=Decimal("-999999999999.999"),
        max_value=Decimal("999999999999.999"),
        places=3,
        allow_nan=False,
        allow_infinity=False,
    ),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
    st.binary(max_size=20),
    sf_tokens.map(Token),
)
params = st.lists(st.tuples(sf_keys, bare_items), max_size=3, unique_by=lambda p: p[0]).map(tuple)
items = st.builds(Item, bare_items, params)
inner_lists = st.builds(InnerList, st.lists(items, max_size=4).map(tuple), params)
members: st.SearchStrategy[Member] = st.one_of(items, inner_lists)


def same(a: object, b: object) -> bool:
    """Equal as structured values: True is not 1, and a decimal keeps its type."""
    if isinstance(a, Item) and isinstance(b, Item):
        return same(a.value, b.value) and same(a.params, b.params)
    if isinstance(a, InnerList) and isinstance(b, InnerList):
        return same(a.items, b.items) and same(a.params, b.params)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@given(st.dictionaries(sf_keys, members, max_size=4))
def test_a_dictionary_serialises_and_parses_back(dictionary: dict[str, Member]) -> None:
    text = serialize_dictionary(dictionary)
    parsed = parse_dictionary(text)
    assert list(parsed) == list(dictionary)
    assert all(same(parsed[k], dictionary[k]) for k in dictionary), text
    assert serialize_dictionary(parsed) == text


@given(inner_lists)
def test_an_inner_list_serialises_and_parses_back(inner: InnerList) -> None:
    text = serialize_inner_list(inner)
    assert same(parse_inner_list_text(text), inner), text


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_the_unmodified_signatures_verify(scheme: str) -> None:
    """The properties above start from these: a real signature that does verify."""
    asyncio.run(verify_request("POST", INBOX, signed(scheme), BODY, key_lookup, now=NOW))
