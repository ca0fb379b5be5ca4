"""Fake remote actors for the inbox load: their keys, their actor documents (served by
servers/actors.py) and the signed Create(Note) POSTs they send.

Every actor has its own RSA-2048 key, as on a real fediverse. Signing costs ~0.3 ms per
request, so requests are signed before the clock starts (`sign_all`): the load generator then
spends its core on HTTP only, and the figure is the receiving node's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from compagnon.federation.signing.signatures import (
    generate_rsa_keypair,
    load_private_key,
    sign_cavage,
)

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
# ~600 bytes of the HTML a trainer posts: a title, a sentence, a link, hashtags.
NOTE_HTML = (
    "<p><strong>Welding safety checklist (EQF level 3)</strong></p>"
    "<p>Before every MIG/MAG session the apprentices check ventilation, the earth clamp, "
    "gloves and the auto-darkening helmet; the checklist below is what we hand out in the "
    "workshop, translated into three languages. Feedback welcome!</p>"
    '<p><a href="https://example.org/oer/welding-checklist" rel="nofollow noopener">'
    "example.org/oer/welding-checklist</a></p>"
    '<p><a href="https://example.org/tags/welding" class="mention hashtag" rel="tag">'
    "#<span>welding</span></a> "
    '<a href="https://example.org/tags/safety" class="mention hashtag" rel="tag">'
    "#<span>safety</span></a></p>"
)


@dataclass(frozen=True)
class FakeActor:
    uri: str
    username: str
    private_pem: str
    public_pem: str

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"

    def document(self, base: str) -> dict[str, Any]:
        """A Person document strict parsers (Fedify's) accept."""
        return {
            "@context": CONTEXT,
            "id": self.uri,
            "type": "Person",
            "preferredUsername": self.username,
            "name": f"Load tester {self.username}",
            "inbox": f"{self.uri}/inbox",
            "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "following": f"{self.uri}/following",
            "endpoints": {"sharedInbox": f"{base}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.public_pem},
        }


def make_actors(base: str, count: int) -> list[FakeActor]:
    """`count` actors on `base` (http://127.0.0.1:PORT), each with its own RSA-2048 key."""
    with ThreadPoolExecutor(max_workers=2) as pool:  # key generation releases the GIL
        pairs = list(pool.map(lambda _: generate_rsa_keypair(), range(count)))
    return [
        FakeActor(f"{base}/actors/load{i}", f"load{i}", private, public)
        for i, (private, public) in enumerate(pairs)
    ]


def save_actors(actors: Sequence[FakeActor], path: Path) -> None:
    path.write_text(json.dumps([a.__dict__ for a in actors]))


def load_actors(path: Path) -> list[FakeActor]:
    return [FakeActor(**item) for item in json.loads(path.read_text())]


def create_note(actor: FakeActor, tag: str, addressee: str) -> dict[str, Any]:
    """A public Create(Note) like Mastodon's, addressed to `addressee` too (so a Compagnon
    worker materialises it in that user's home timeline)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    note_id = f"{actor.uri}/notes/{tag}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": actor.uri,
        "published": now,
        "to": [AS_PUBLIC],
        "cc": [f"{actor.uri}/followers", addressee],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor.uri,
            "content": NOTE_HTML,
            "published": now,
            "url": note_id,
            "to": [AS_PUBLIC],
            "cc": [f"{actor.uri}/followers", addressee],
        },
    }


@dataclass(frozen=True)
class SignedPost:
    url: str
    headers: dict[str, str]
    body: bytes


def sign_post(actor: FakeActor, inbox: str, activity: dict[str, Any]) -> SignedPost:
    body = orjson.dumps(activity)
    headers = {"Content-Type": "application/activity+json"}
    headers.update(
        sign_cavage("POST", inbox, headers, body, actor.key_id, load_private_key(actor.private_pem))
    )
    return SignedPost(inbox, headers, body)


def sign_all(
    actors: Sequence[FakeActor], inbox: str, addressee: str, run: str, count: int
) -> list[SignedPost]:
    """`count` distinct Create(Note) POSTs, round-robin over the actors, signed in 2 threads
    (RSA signing releases the GIL)."""

    def one(n: int) -> SignedPost:
        actor = actors[n % len(actors)]
        return sign_post(actor, inbox, create_note(actor, f"{run}-{n}", addressee))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, range(count)))
