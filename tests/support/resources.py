"""A complete learning resource, and publishing it on a test node as a trainer would."""

from __future__ import annotations

from compagnon.domain.resources import Attachment, LearningResource, Translation
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


# Every field of shared/reference/oer-metadata.md, in two languages (English first).
WELDER = "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"
OXY_FUEL_TORCH = "http://data.europa.eu/esco/skill/14b4a40e-da80-452a-86d6-88a959052219"
HANDLE_FUELS = "http://data.europa.eu/esco/skill/2035c565-f0df-4efa-99fc-09a42f18c158"
WELDING = LearningResource(
    title="Oxy-fuel welding: safety checklist",
    description="A one-page checklist before lighting the torch: hoses, valves, flashback.",
    url="https://cfp.example.org/oxyfuel-checklist",
    license="https://creativecommons.org/licenses/by-sa/4.0/",
    language="en",
    eqf_level=3,
    isced_field="0715",
    resource_type="worksheet",
    time_required="PT1H30M",
    keywords=("welding", "safety"),
    translations=(
        Translation(
            "pt-PT",
            "Soldadura oxiacetilénica: lista de verificação",
            "Uma lista de uma página antes de acender o maçarico: mangueiras, válvulas.",
        ),
    ),
    languages=("fr",),
    audiences=("student", "teacher"),
    occupations=(WELDER, "http://data.europa.eu/esco/isco/C7212"),
    teaches=(OXY_FUEL_TORCH, "https://w3id.org/kim/digcomp/g_15"),
    assesses=(HANDLE_FUELS,),
    requires=("digcompedu:2.2",),
    # A source on a host that does not exist: its licence cannot be read, so publishing this
    # through `operations` needs licence_checked=True (README, "Remixes and translations").
    is_based_on=("https://oer-elsewhere.example.net/gas-safety",),
    is_part_of=("https://cfp.example.org/modules/welding-basics",),
    attachments=(
        Attachment("https://cfp.example.org/media/checklist.pdf", "application/pdf", "Checklist"),
    ),
)


async def publish_resource(node: Node, username: str, resource: LearningResource) -> Object:
    assert node.app is not None
    async with node.sessions.begin() as session:
        author = await actor_queries.local_by_username(session, username)
        assert author is not None
        urls = node.app[FEDERATION].urls
        return await publish.publish_resource(session, urls, author, resource)
