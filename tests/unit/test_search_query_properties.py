"""Property tests of the search query parser (domain/search_query.py): whatever a query
string holds, `parse` gives a search or a BadSearch with a sentence, never another
exception; and the words it passes on hold nothing the full-text engines read as syntax."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compagnon.domain.search_query import (
    FACETS,
    MAX_WORD_CHARS,
    MAX_WORDS,
    BadSearch,
    SearchRequest,
    fts5_query,
    parse,
)

NAMES = ["q", "before", *FACETS]
# What FTS5 (quotes, *, ^, :, parentheses, +, -, NEAR's commas), PostgreSQL's tsquery (&, |,
# !, <->, :*) and LIKE (%, _) would read as syntax, and anything that splits a token.
SYNTAX = set("\"'*^:(){}[]+-,.;&|!<>%_\\/@#$=?~` \t\r\n\x00")
# Text that looks like numbers, codes and URLs as often as like anything else.
CLOSE_CALLS = st.sampled_from(
    [
        "1",
        "8",
        "9",
        "0",
        "²",
        "①",
        "٣",
        "\uff11",  # fullwidth one
        "9" * 19,
        "9" * 20,
        "9223372036854775808",
        "0413",
        "٠٤١٣",
        "en",
        "EN",
        "digcompedu:1.1",
        "http://x",
        "https://creativecommons.org/licenses/by/4.0/",
        "video",
        'a" OR "b',
        "NEAR(a b)",
        "col:word*",
        "a & b | !c <-> d:*",
    ]
)
VALUES = st.one_of(st.text(max_size=300), CLOSE_CALLS)
QUERIES = st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), VALUES)


def check(params: dict[str, str]) -> SearchRequest | None:
    try:
        found = parse(params)
    except BadSearch as exc:
        assert str(exc).strip(), "a refusal says why"
        return None
    assert isinstance(found, SearchRequest)
    return found


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERIES)
@example({"before": "٣"})
@example({"field": "٠٤١٣"})
@example({"q": "a" * 200})
@example({"q": "\ud800 \x00 ①②③ ﬁ"})
def test_any_query_gives_a_search_or_a_clear_refusal(params: dict[str, str]) -> None:
    found = check(params)
    if found is None:
        return
    filters = found.filters
    assert len(filters.words) <= MAX_WORDS
    for word in filters.words:
        assert word and len(word) <= MAX_WORD_CHARS
        assert not SYNTAX & set(word), word
        assert word.isalnum(), word
    # Every word goes into the FTS5 query quoted, and nothing else but its column and AND.
    if filters.words:
        assert fts5_query(filters.words).count('"') == 2 * len(filters.words)
    # Numbers the node keeps are plain ASCII digits within their range.
    if found.before is not None:
        assert 0 <= found.before <= 2**63 - 1
        assert re.fullmatch(r"[0-9]+", params["before"].strip())
    if filters.eqf is not None:
        assert 1 <= filters.eqf <= 8
    if filters.field is not None:
        assert re.fullmatch(r"[0-9]{4}", filters.field)
    if filters.lang is not None:
        assert re.fullmatch(r"[a-z]{2,3}", filters.lang)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_is_cut_into_plain_words(text: str) -> None:
    found = check({"q": text})
    if found is not None:
        assert all(w.isalnum() and not SYNTAX & set(w) for w in found.filters.words)
