"""A node holding resources of several kinds, its own and two peers', one peer's trainer
refusing indexing and a silenced one, and follows between hosts: what the statistics tests
(integration and browser) count."""

from __future__ import annotations

from typing import Any

from compagnon.domain.consent import flags_of
from compagnon.federation.ingest import Incoming, store_remote_objects
from compagnon.storage.models import Actor, Follow
from compagnon.storage.queries import statistics_counts
from tests.support.nodes import Node
from tests.support.resources import QUIZ, WELDING, publish_resource

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def resource(uri: str, title: str, *, eqf: int, field: str, lang: str, kind: str) -> dict[str, Any]:
    return {
        "id": uri,
        "type": ["Note", "LearningResource"],
        "attributedTo": uri.split("/objects/")[0] + "/users/trainer",
        "name": title,
        "content": f"<p>{title}</p>",
        "to": [PUBLIC],
        "published": "2026-10-05T10:00:00Z",
        "inLanguage": [lang],
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "learningResourceType": [{"id": f"https://w3id.org/kim/hcrt/{kind}"}],
        "educationalAlignment": [
            {"type": "AlignmentObject", "targetUrl": f"http://data.europa.eu/snb/eqf/{eqf}"},
            {"type": "AlignmentObject", "targetUrl": f"http://data.europa.eu/snb/isced-f/{field}"},
        ],
    }


async def remote_actor(node: Node, host: str, kind: str, name: str, raw: dict[str, Any]) -> Actor:
    """A peer's actor as fetching its document would store it (consent flags as columns)."""
    indexable, discoverable = flags_of(raw)
    async with node.sessions.begin() as session:
        actor = Actor(
            indexable=indexable,
            discoverable=discoverable,
            uri=f"https://{host}/users/{name}",
            type=kind,
            username=name,
            domain=host,
            inbox=f"https://{host}/inbox",
            raw={"id": f"https://{host}/users/{name}", "type": kind, **raw},
        )
        session.add(actor)
    return actor


async def fill(node: Node) -> None:
    """Ours: two resources (Spain). Lisbon (Portugal): a video, a quiz and a follow each way
    with us. Lyon: a trainer refusing indexing. Spam: a silenced trainer."""
    maria = await node.create_user("maria")
    await publish_resource(node, "maria", WELDING)
    await publish_resource(node, "maria", QUIZ)
    await remote_actor(
        node, "cfp-lisboa.example", "Organization", "centre", {"addressCountry": "PT"}
    )
    joao = await remote_actor(node, "cfp-lisboa.example", "Person", "joao", {"indexable": True})
    await remote_actor(node, "ifp-lyon.example", "Organization", "centre", {"addressCountry": "FR"})
    claire = await remote_actor(node, "ifp-lyon.example", "Person", "claire", {"indexable": False})
    spammer = await remote_actor(node, "spam.example", "Person", "spam", {})
    question = {
        "id": "https://cfp-lisboa.example/objects/q1",
        "type": "Question",
        "attributedTo": joao.uri,
        "content": "<p>Which gas?</p>",
        "to": [PUBLIC],
        "published": "2026-11-01T10:00:00Z",
        "oneOf": [{"type": "Note", "name": "argon"}, {"type": "Note", "name": "CO2"}],
    }
    async with node.sessions.begin() as session:
        await store_remote_objects(
            session,
            [
                Incoming(
                    joao,
                    resource(
                        "https://cfp-lisboa.example/objects/1",
                        "Soldadura MIG",
                        eqf=3,
                        field="0715",
                        lang="pt",
                        kind="video",
                    ),
                ),
                Incoming(joao, question),
                Incoming(
                    claire,
                    resource(
                        "https://ifp-lyon.example/objects/1",
                        "Cuisine",
                        eqf=5,
                        field="1013",
                        lang="fr",
                        kind="video",
                    ),
                ),
                Incoming(
                    spammer,
                    resource(
                        "https://spam.example/objects/1",
                        "Spam",
                        eqf=5,
                        field="1013",
                        lang="fr",
                        kind="video",
                    ),
                ),
            ],
        )
        spam = await session.get(Actor, spammer.id)
        assert spam is not None
        spam.silenced_at = spam.created_at
        # As moderation does (operations/admin.py): the counts follow the silence.
        await statistics_counts.recount_authors(session, [spam.id])
        session.add(
            Follow(follower_id=maria.id, followee_id=joao.id, activity_uri="x1", state="accepted")
        )
        session.add(
            Follow(follower_id=joao.id, followee_id=maria.id, activity_uri="x2", state="accepted")
        )
        session.add(
            Follow(follower_id=maria.id, followee_id=claire.id, activity_uri="x3", state="pending")
        )
        session.add(  # claire refuses indexing: her follows are not drawn either
            Follow(follower_id=joao.id, followee_id=claire.id, activity_uri="x4", state="accepted")
        )
