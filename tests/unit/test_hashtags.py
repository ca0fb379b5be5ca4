"""Hashtags in what a trainer types (domain/hashtags.py), linked in the post's HTML
(sanitize.text_to_html) and read back into the Note's `tag` (federation/hashtags.py):
Mastodon's rule, and hostile text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compagnon.domain import hashtags
from compagnon.federation.hashtags import tags_in, without_hashtags
from compagnon.federation.sanitize import LINK_REL, text_to_html

BASE = "https://cfp.example"


def names(text: str) -> list[str]:
    return hashtags.names(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#Welding today", ["Welding"]),
        ("Safety first #welding, #TIG! #mig.", ["welding", "TIG", "mig"]),
        ('(#welding) "#tig" «#mig» [#arc]', ["welding", "tig", "mig", "arc"]),
        ("line one\n#second line", ["second"]),
        ("#EQF4 #ISCED0715 #_arc_welding", ["EQF4", "ISCED0715", "_arc_welding"]),
        (
            "#Schweißen #soldadura #сварка #溶接 #لحام",
            ["Schweißen", "soldadura", "сварка", "溶接", "لحام"],
        ),
        ("#col·legi #ポケモン・サン", ["col·legi", "ポケモン・サン"]),
    ],
)
def test_tags_as_mastodon_reads_them(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "page#top",  # inside a word
        "a/#b x)#c",  # after / or )
        "##double &#39; @#at _#under",
        "#2024 #42 #_ #__",  # no letter
        "# alone, #, #!",
        "https://x.example/#a and https://x.example/page#b",  # addresses
        "see:https://x.example/p?q=1#frag",  # an address inside a longer word
        "@ana@cfp.example#x @#y",  # mentions
        "\u200b#zero \u202e#override",  # an invisible character before the #
    ],
)
def test_no_tag(text: str) -> None:
    assert names(text) == []


def test_a_tag_stops_at_the_first_other_character() -> None:
    assert names("#welding-safety #tig's #mig/mag #a+b") == ["welding", "tig", "mig", "a"]
    assert names("#a#b") == ["a"]  # the second # is inside a word


def test_separators_only_inside_a_name() -> None:
    assert names("#col·legi· #·x") == ["col·legi"]


def test_invisible_characters_end_a_name() -> None:
    assert names("#wel\u200bding #tig\u202egit #mig\u2066x") == ["wel", "tig", "mig"]


def test_one_tag_whatever_its_case_and_unicode_form() -> None:
    decomposed = "Cafe\u0301"
    full_width = "\uff37\uff45\uff4c\uff44"  # "Weld" in full-width letters
    text = f"#{decomposed} #CAFÉ #café #{full_width} #weld \uff03weld"
    assert names(text) == ["Café", "Weld"]
    found = hashtags.find(text)
    assert [t.name for t in found] == ["Café", "CAFÉ", "café", "Weld", "weld", "weld"]


def test_homoglyphs_are_other_tags() -> None:
    # A Cyrillic ie (U+0435) in the second: a different word for the machine, as for Mastodon.
    assert names("#welding #w\u0435lding") == ["welding", "w\u0435lding"]


def test_too_long_a_name_is_no_tag_at_all() -> None:
    longest = "a" * hashtags.MAX_LENGTH
    assert names(f"#{longest}") == [longest]
    assert names(f"#{longest}b #short") == ["short"]


def test_at_most_thirty_distinct_tags() -> None:
    text = " ".join(f"#tag{i}" for i in range(100)) + " #tag0"
    found = hashtags.find(text)
    assert len({t.key for t in found}) == hashtags.MAX_TAGS
    assert found[-1].name == "tag0"  # a repeat of a counted tag is still linked


def test_thousands_of_signs_in_reasonable_time() -> None:
    floods = [
        "#" * 50_000,
        "#a" * 25_000,
        "# " * 25_000,
        "#" + "a" * 100_000,
        ("x#" * 25_000),
        " ".join("#" + "é" * 99 + "\u0301" for _ in range(500)),
    ]
    started = time.monotonic()
    for text in floods:
        found = hashtags.find(text)
        assert len({t.key for t in found}) <= hashtags.MAX_TAGS
    assert time.monotonic() - started < 5  # linear: a quadratic scan takes minutes


def test_page_names() -> None:
    assert hashtags.page_name("Welding") == "Welding"
    assert hashtags.page_name("#welding") == "welding"
    assert hashtags.page_name("2024") == "2024"  # a peer's tag of digits still has a page
    assert hashtags.page_name("col·legi") == "col·legi"
    for bad in ["", "a b", "a/b", "·x", "x" * 101, "<script>", "a\u200bb"]:
        assert hashtags.page_name(bad) is None


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("#\uff03 a_é\u0301·\u200c\u200b/:@.()1\n")) | st.characters(),
        max_size=300,
    )
)
def test_any_text(text: str) -> None:
    found = hashtags.find(text)
    assert len({t.key for t in found}) <= hashtags.MAX_TAGS
    last = -1
    for tag in found:
        assert last <= tag.start < tag.end <= len(text)
        assert text[tag.start] in "#\uff03"
        assert hashtags.normalised(text[tag.start + 1 : tag.end]) == tag.name
        last = tag.end
    html = text_to_html(text, tags_base=BASE)
    assert len(tags_in(html, BASE)) == len({t.key for t in found})


# --- the HTML and the Note's tags -------------------------------------------------------


def test_a_tag_is_mastodons_link_to_the_hashtag_page() -> None:
    html = text_to_html("Safety first #Welding", tags_base=BASE)
    assert html == (
        '<p>Safety first <a href="https://cfp.example/tags/welding" class="mention hashtag" '
        'rel="tag">#<span>Welding</span></a></p>'
    )
    assert tags_in(html, BASE) == [
        {"type": "Hashtag", "href": "https://cfp.example/tags/welding", "name": "#Welding"}
    ]


def test_links_tags_and_addresses_side_by_side() -> None:
    html = text_to_html(
        "#café & <b>\n\nhttps://x.example/#a https://x.example/p?a=1&b=2#frag (#TIG)",
        tags_base=BASE,
    )
    assert html == (
        '<p><a href="https://cfp.example/tags/caf%C3%A9" class="mention hashtag" rel="tag">'
        "#<span>café</span></a> &amp; &lt;b&gt;</p>"
        f'<p><a href="https://x.example/#a" target="_blank" rel="{LINK_REL}">'
        "https://x.example/#a</a> "
        f'<a href="https://x.example/p?a=1&amp;b=2#frag" target="_blank" rel="{LINK_REL}">'
        "https://x.example/p?a=1&amp;b=2#frag</a> "
        '(<a href="https://cfp.example/tags/tig" class="mention hashtag" rel="tag">'
        "#<span>TIG</span></a>)</p>"
    )
    assert [t["name"] for t in tags_in(html, BASE)] == ["#café", "#TIG"]


def test_tags_typed_twice_are_linked_twice_and_tagged_once() -> None:
    html = text_to_html("#weld then #WELD", tags_base=BASE)
    assert html.count('class="mention hashtag"') == 2
    assert tags_in(html, BASE) == [
        {"type": "Hashtag", "href": "https://cfp.example/tags/weld", "name": "#weld"}
    ]


def test_hostile_text_stays_text() -> None:
    html = text_to_html('#a"onmouseover=x #<script> #b&amp;', tags_base=BASE)
    assert "<script>" not in html and "onmouseover=x" in html  # text, escaped
    assert '"onmouseover' not in html.split("</a>")[0].split(">")[0]
    assert [t["name"] for t in tags_in(html, BASE)] == ["#a", "#b"]


def test_without_a_base_tags_stay_text() -> None:
    assert text_to_html("#welding") == "<p>#welding</p>"


def test_only_our_own_links_are_read_back() -> None:
    theirs = (
        '<p><a href="https://other.example/tags/x" class="mention hashtag" rel="tag">'
        "#<span>x</span></a></p>"
    )
    assert tags_in(theirs, BASE) == []


def test_an_edit_keeps_mentions_and_drops_old_hashtags() -> None:
    held = [
        {"type": "Mention", "href": "https://p.example/users/ana", "name": "@ana@p.example"},
        {"type": "Hashtag", "href": f"{BASE}/tags/old", "name": "#old"},
        "junk",
    ]
    assert without_hashtags(held) == [held[0], "junk"]
    assert without_hashtags(None) == []
