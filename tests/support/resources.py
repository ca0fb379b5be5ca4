"""A complete learning resource, and publishing it on a test node as a trainer would."""

from __future__ import annotations

from compagnon.domain.resources import LearningResource
from compagnon.federation.outbox import publish
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Object
from compagnon.storage.queries import actors as actor_queries
from tests.support.nodes import Node

QUIZ = LearningResource(
    title="Licensing your own training content: self-check quiz",
    description="12 questions for VET trainers on Creative Commons licences.",
    url="https://cfp.example.org/quiz.h5p",
    license="https://creativecommons.org/licenses/by-sa/4.0/",
    language="en",
    eqf_level=4,
    isced_field="0611",
    resource_type="assessment",
    time_required="PT20M",
    keywords=("OER", "Creative Commons"),
)


async def publish_quiz(node: Node, username: str) -> Object:
    assert node.app is not None
    async with node.sessions.begin() as session:
        author = await actor_queries.local_by_username(session, username)
        assert author is not None
        return await publish.publish_resource(session, node.app[FEDERATION].urls, author, QUIZ)
