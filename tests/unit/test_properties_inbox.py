"""Properties of the inbox pipeline: any bytes and any headers come out as a typed Outcome,
never an exception (an exception is a 500); whatever it accepts, the writer can store."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import orjson
from hypothesis import event, given
from hypothesis import strategies as st

from compagnon.federation.inbox.outcomes import Accepted, Malformed, Outcome
from compagnon.federation.inbox.pipeline import (
    MAX_URI_LENGTH,
    InboundRequest,
    InboxPolicy,
    parse,
    receive,
    row_for,
)
from compagnon.federation.json_limits import storage_problem
from compagnon.federation.signing.signatures import (
    KeyObj,
    PublicKeyInfo,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    sign_cavage,
)
from compagnon.federation.urls import host_of
from tests.support.ap_strategies import (
    activities,
    json_values,
    objects,
    paths,
    type_names,
    types,
    urls,
)

INBOX = "https://node.example/inbox"
ACTOR = "https://peer.example/users/ana"
KEY_ID = f"{ACTOR}#main-key"
POLICY = InboxPolicy(max_body_bytes=100_000, signature_max_age=3600, blocked_hosts=frozenset())
HEADER_NAMES = st.sampled_from(
    ["Signature", "Signature-Input", "Date", "Host", "Digest", "Content-Digest", "Content-Type",
     "X-Other"]
)  # fmt: skip


@cache
def keys() -> tuple[KeyObj, PublicKeyInfo]:
    private_pem, public_pem = generate_rsa_keypair()
    return load_private_key(private_pem), PublicKeyInfo(KEY_ID, ACTOR, load_public_key(public_pem))


async def key_lookup(key_id: str, refresh: bool) -> PublicKeyInfo | None:
    return keys()[1] if key_id == KEY_ID else None


def check_storable(row: dict[str, Any]) -> None:
    """What the writer needs of a row (storage/models/core.py: Activity)."""
    assert orjson.dumps(row["raw"])  # orjson can write it back
    assert storage_problem(row["raw"]) is None
    assert row["type"] and len(row["type"]) <= 64
    for name in ("uri", "actor_uri", "object_uri"):
        assert len(row[name] or "") <= MAX_URI_LENGTH
    assert row["host"] == host_of(row["actor_uri"]) != ""


def run(request: InboundRequest) -> tuple[Outcome, list[dict[str, Any]]]:
    stored: list[dict[str, Any]] = []

    async def store(row: dict[str, Any]) -> None:
        stored.append(row)

    outcome = asyncio.run(receive(request, POLICY, key_lookup, store))
    return outcome, stored


@given(st.binary(max_size=2_000))
def test_any_bytes_parse_to_an_activity_or_a_refusal(body: bytes) -> None:
    result = parse(body)
    assert isinstance(result, dict | Malformed)
    if isinstance(result, dict):
        check_storable(row_for(result))


@given(st.one_of(activities, json_values))
def test_any_json_parses_to_a_storable_activity_or_a_refusal_with_a_reason(doc: Any) -> None:
    result = parse(orjson.dumps(doc))
    if isinstance(result, Malformed):
        assert result.reason
    else:
        check_storable(row_for(result))


@given(st.integers(min_value=1, max_value=1_000), st.sampled_from([b"[", b'{"a":']))
def test_nesting_past_the_limit_is_refused(levels: int, opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    body = (
        b'{"id": "https://peer.example/1", "type": "Create", "actor": "https://peer.example/a",'
        b' "object": ' + opener * levels + b"1" + closer * levels + b"}"
    )
    result = parse(body)
    if levels + 1 > 64:  # the activity itself is the first level
        assert isinstance(result, Malformed) and "deeper than 64" in result.reason
    else:
        assert isinstance(result, dict)


@given(
    st.one_of(st.binary(max_size=500), activities.map(orjson.dumps)),
    st.dictionaries(HEADER_NAMES, st.text(max_size=200), max_size=6),
)
def test_any_unsigned_or_badly_signed_request_gets_an_outcome(
    body: bytes, headers: dict[str, str]
) -> None:
    outcome, stored = run(InboundRequest("POST", INBOX, headers, body))
    assert isinstance(outcome, Outcome)
    assert not stored or isinstance(outcome, Accepted)


# Mostly well-formed envelopes on the actor's host, so most examples reach the store step.
own_ids = st.one_of(paths.map(lambda p: f"https://peer.example/{p}"), urls)
usual_types = st.one_of(type_names, st.lists(type_names, min_size=1, max_size=2), types)


@given(activities, own_ids, usual_types, st.one_of(objects, st.lists(objects, max_size=2)))
def test_a_validly_signed_activity_is_stored_storable_or_refused(
    doc: dict[str, Any], activity_id: str, kind: Any, obj: Any
) -> None:
    doc = {**doc, "id": activity_id, "type": kind, "actor": ACTOR, "object": obj}
    body = orjson.dumps(doc)
    headers = {"Content-Type": "application/activity+json"}
    headers.update(sign_cavage("POST", INBOX, headers, body, KEY_ID, keys()[0]))
    outcome, stored = run(InboundRequest("POST", INBOX, headers, body))
    assert isinstance(outcome, Outcome)
    event(type(outcome).__name__)
    if isinstance(outcome, Accepted) and stored:
        (row,) = stored
        check_storable(row)
        assert row["actor_uri"] == ACTOR and host_of(row["uri"]) == "peer.example"


@given(
    st.recursive(
        st.one_of(st.text(alphabet="ab\x00[{", max_size=4), st.integers(-9, 9)),
        lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=3), c)),
        max_leaves=10,
    ),
    st.integers(min_value=1, max_value=6),
)
def test_the_fast_path_of_the_limits_agrees_with_the_walk(doc: Any, max_depth: int) -> None:
    """Reading the body's bytes first (brackets, `\\u0000` escapes) decides as walking does."""
    body = orjson.dumps(doc)
    assert storage_problem(doc, max_depth, body) == storage_problem(doc, max_depth)
