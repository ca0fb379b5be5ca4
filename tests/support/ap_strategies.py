"""Hypothesis strategies for what peers send: any JSON, and JSON shaped like ActivityStreams
(the right keys with right, wrong and hostile values), for the property tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Integers orjson can write (64-bit); floats without NaN/inf (not JSON).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=8,
)

hosts = st.sampled_from(["peer.example", "other.example", "127.0.0.1:8080", "xn--bcher-kva.ch"])
paths = st.text(alphabet="abcdefghij0123456789/-_%?#=&", max_size=20)
http_urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{path}",
    st.sampled_from(["https", "http"]),
    hosts,
    paths,
)
hostile_urls = st.one_of(
    st.sampled_from(
        [
            "",
            "javascript://peer.example/%0aalert(1)",
            "http://[::1",
            "http://",
            "https://peer.example:99999/x",
            "data:text/html,<script>",
            "http://peer.example/" + "a" * 3000,
            "https://peer.example/\x00",
            "mailto:a@b",
        ]
    ),
    st.text(max_size=30),
)
urls = st.one_of(http_urls, hostile_urls)
type_names = st.sampled_from(
    [
        "Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Like",
        "Announce", "Move", "Flag", "EmojiReact", "Note", "Article", "Question", "Tombstone",
        "Person", "LearningResource", "Place", "Profile", "Relationship", "Link", "Mention",
        "Hashtag", "Image", "ext:Thing",
    ]
)  # fmt: skip
types = st.one_of(type_names, st.lists(type_names, max_size=3), json_values)
references = st.one_of(
    urls, st.lists(urls, max_size=3), st.fixed_dictionaries({"id": urls}), json_values
)
times = st.one_of(
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["2024-01-01T00:00:00Z", "not a time", "9999-12-31T23:59:59-23:59"]),
    json_values,
)
language_maps = st.one_of(
    st.dictionaries(st.sampled_from(["en", "pt", "und", "", "x" * 50]), st.text(), max_size=3),
    json_values,
)
links = st.one_of(
    urls,
    st.fixed_dictionaries(
        {"type": types}, optional={"href": urls, "url": references, "mediaType": json_values}
    ),
    st.lists(st.fixed_dictionaries({"href": urls}, optional={"mediaType": st.text()}), max_size=3),
)
tags = st.one_of(
    st.fixed_dictionaries({"type": types}, optional={"href": urls, "name": json_values}),
    json_values,
)
poll_options = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"name": json_values},
            optional={"replies": st.fixed_dictionaries({"totalItems": json_values})},
        ),
        json_values,
    ),
    max_size=3,
)

objects = st.fixed_dictionaries(
    {},
    optional={
        "id": urls,
        "type": types,
        "attributedTo": references,
        "content": st.one_of(st.text(max_size=200), json_values),
        "contentMap": language_maps,
        "name": st.one_of(st.text(max_size=40), json_values),
        "nameMap": language_maps,
        "summary": st.one_of(st.text(max_size=40), json_values),
        "summaryMap": language_maps,
        "mediaType": st.sampled_from(["text/markdown", "text/html; charset=utf-8", "x"]),
        "url": links,
        "attachment": st.one_of(st.lists(links, max_size=3), links, json_values),
        "tag": st.one_of(st.lists(tags, max_size=3), tags),
        "to": references,
        "cc": references,
        "inReplyTo": references,
        "published": times,
        "updated": times,
        "endTime": times,
        "oneOf": poll_options,
        "anyOf": poll_options,
        "votersCount": json_values,
        "language": st.one_of(st.fixed_dictionaries({"identifier": json_values}), json_values),
        "sensitive": json_values,
    },
)

actors = st.fixed_dictionaries(
    {},
    optional={
        "id": urls,
        "type": types,
        "inbox": urls,
        "outbox": references,
        "followers": references,
        "following": references,
        "preferredUsername": json_values,
        "name": json_values,
        "summary": json_values,
        "url": links,
        "icon": links,
        "endpoints": st.one_of(st.fixed_dictionaries({"sharedInbox": urls}), json_values),
        "publicKey": st.one_of(
            st.fixed_dictionaries({}, optional={"id": urls, "publicKeyPem": json_values}),
            st.lists(json_values, max_size=2),
            json_values,
        ),
        "manuallyApprovesFollowers": json_values,
    },
)

activities = st.fixed_dictionaries(
    {},
    optional={
        "@context": st.one_of(st.just("https://www.w3.org/ns/activitystreams"), json_values),
        "id": urls,
        "type": types,
        "actor": references,
        "object": st.one_of(objects, st.lists(objects, max_size=3), references),
        "target": references,
        "to": references,
        "cc": references,
    },
)
