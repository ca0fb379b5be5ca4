"""convert.object_fields_from_note on what peers send: readable content for titled types,
tags, attachments, polls, languages, markdown, and poll votes."""

from __future__ import annotations

from typing import Any

from compagnon.federation.convert import (
    attachments_of,
    is_poll_vote,
    language_of,
    object_fields_from_note,
    poll_of,
    tags_of,
)
from compagnon.federation.jsonld import AS_PUBLIC
from compagnon.federation.sanitize import sanitize_html

FOLLOWERS = "https://peer.example/users/a/followers"


def fields(**doc: Any) -> dict[str, Any]:
    base = {"id": "https://peer.example/o/1", "to": [AS_PUBLIC], "cc": [FOLLOWERS]}
    return object_fields_from_note({**base, **doc}, FOLLOWERS)


def test_a_note_keeps_its_html_and_gets_its_tags() -> None:
    f = fields(
        type="Note",
        content='<p>hi <a href="https://m.example/@b">@b</a> <a href="https://t/x">#X</a></p>',
        tag=[
            {"type": "Mention", "href": "https://m.example/users/b", "name": "@b@m.example"},
            {"type": "Hashtag", "href": "https://t/x", "name": "x"},
            {"type": "Emoji", "name": ":blob:", "icon": {"url": "https://e/blob.png"}},
        ],
    )
    assert f["content"].startswith("<p>hi <a")
    assert f["recipients"]["tag"] == [
        {"type": "Mention", "href": "https://m.example/users/b", "name": "@b@m.example"},
        {"type": "Hashtag", "href": "https://t/x", "name": "#x"},
    ]
    assert f["recipients"]["to"] == [AS_PUBLIC] and f["visibility"] == "public"


def test_a_single_tag_object_and_string_addressing() -> None:
    f = object_fields_from_note(
        {
            "id": "https://gts.example/s/1",
            "type": "Note",
            "content": "<p>x</p>",
            "to": "as:Public",
            "tag": {"type": "Mention", "href": "https://a/u", "name": "@u@a"},
        },
        "",
    )
    assert f["visibility"] == "public"
    assert [t["name"] for t in f["recipients"]["tag"]] == ["@u@a"]


def test_an_article_shows_title_summary_text_and_link() -> None:
    f = fields(
        type="Article",
        name="Safe <welding>",
        summary="<p>Five habits.</p>",
        content="<p>Body.</p>",
        url="https://peer.example/articles/1",
    )
    html = sanitize_html(f["content"])
    assert html.startswith("<p><strong>Safe &lt;welding&gt;</strong></p><p>Five habits.</p>")
    assert "<p>Body.</p>" in html
    assert 'href="https://peer.example/articles/1"' in html
    assert f["name"] == "Safe <welding>" and f["summary"] == "<p>Five habits.</p>"


def test_a_page_with_only_a_title_and_a_link_is_still_readable() -> None:
    f = fields(type="Page", name="A link post", url="https://elsewhere.example/story")
    assert sanitize_html(f["content"]).startswith("<p><strong>A link post</strong></p><p><a")


def test_a_peertube_video_uses_its_html_link_language_and_markdown_text() -> None:
    f = fields(
        type="Video",
        name="Welding 101",
        mediaType="text/markdown",
        content="**Hello** <b>x</b>\r\n\r\nSee https://peer.example/more",
        language={"identifier": "fr", "name": "French"},
        url=[
            {"type": "Link", "mediaType": "application/x-mpegURL", "href": "https://p/v.m3u8"},
            {"type": "Link", "mediaType": "text/html", "href": "https://p/w/1"},
        ],
    )
    assert f["url"] == "https://p/w/1"
    assert f["language"] == "fr"
    html = sanitize_html(f["content"])
    assert "**Hello** &lt;b&gt;x&lt;/b&gt;" in html  # markdown is text, never HTML
    assert 'href="https://peer.example/more"' in html
    assert html.endswith("https://p/w/1</a></p>")


def test_attachments_are_listed_as_links() -> None:
    f = fields(
        type="Note",
        content="<p>photo</p>",
        attachment=[
            {"type": "Document", "mediaType": "image/jpeg", "url": "https://m/1.jpg", "name": "A"},
            {"type": "Image", "url": [{"href": "https://m/2.jpg"}]},
            {"type": "PropertyValue", "name": "x", "value": "y"},
        ],
    )
    assert attachments_of(f["raw"]) == [
        {"type": "Document", "url": "https://m/1.jpg", "media_type": "image/jpeg", "name": "A"},
        {"type": "Image", "url": "https://m/2.jpg", "media_type": "", "name": ""},
    ]
    html = sanitize_html(f["content"])
    assert '<a href="https://m/1.jpg"' in html and ">A</a>" in html
    assert ">https://m/2.jpg</a>" in html


def test_a_poll_lists_its_options() -> None:
    doc = {
        "type": "Question",
        "content": "<p>Which?</p>",
        "anyOf": [
            {"type": "Note", "name": "a", "replies": {"type": "Collection", "totalItems": 3}},
            {"type": "Note", "name": "<b>", "replies": {"totalItems": "x"}},
        ],
        "endTime": "2026-03-02T10:00:00Z",
        "votersCount": 3,
    }
    poll = poll_of(doc)
    assert poll is not None and poll["multiple"] is True and poll["voters"] == 3
    assert [(o["name"], o["votes"]) for o in poll["options"]] == [("a", 3), ("<b>", 0)]
    html = sanitize_html(fields(**doc)["content"])
    assert html == "<p>Which?</p><ul><li>a (3)</li><li>&lt;b&gt; (0)</li></ul>"
    assert poll_of({"type": "Note"}) is None
    # Its author hides the counts until it ends (no option has one): none shown, not zeros.
    hidden = {**doc, "anyOf": [{"type": "Note", "name": n, "replies": {}} for n in "ab"]}
    assert poll_of(hidden)["counts_hidden"] is True  # type: ignore[index]
    assert sanitize_html(fields(**hidden)["content"]).endswith("<ul><li>a</li><li>b</li></ul>")
    assert poll["counts_hidden"] is False


def test_language_from_the_maps() -> None:
    assert language_of({"contentMap": {"de": "x", "en": "y"}}) == "de"
    assert language_of({"contentMap": {"und": "x"}, "nameMap": {"it": "y"}}) == "it"
    assert language_of({"content": "x"}) is None
    f = fields(type="Note", contentMap={"pt": "<p>olá</p>"})
    assert f["content"] == "<p>olá</p>" and f["language"] == "pt"


def test_type_arrays_prefer_a_type_people_see() -> None:
    assert fields(type=["Note", "LearningResource"], content="x")["type"] == "LearningResource"
    assert fields(type=["LearningResource", "Article"], name="t")["type"] == "Article"
    assert fields(type=[], content="x")["type"] == "Note"


def test_poll_votes_are_recognised() -> None:
    vote = {"id": "v", "type": "Note", "name": "a", "inReplyTo": "https://p/q"}
    assert is_poll_vote(vote)
    assert not is_poll_vote({**vote, "content": "<p>a reply</p>"})
    assert not is_poll_vote({**vote, "inReplyTo": None})


def test_bad_tags_are_skipped() -> None:
    assert tags_of({"tag": ["x", {"type": "Mention"}, {"type": "Hashtag", "name": 3}]}) == []
