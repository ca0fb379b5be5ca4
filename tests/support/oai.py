"""Reading and checking OAI-PMH answers in tests: the schema kept in tests/fixtures/oai
(OAI-PMH.xsd with the schemas of the metadata we disseminate) and a few XPath helpers."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import httpx
from lxml import etree

from compagnon.domain.resources import LearningResource
from compagnon.federation.outbox import publish
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Object
from compagnon.storage.queries import actors as actor_queries
from tests.support.nodes import Node
from tests.support.resources import QUIZ

FIXTURES = Path(__file__).parent.parent / "fixtures" / "oai"
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "lom": "http://ltsc.ieee.org/xsd/LOM",
}


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FIXTURES / "harvest.xsd")))


def valid(body: bytes) -> etree._Element:
    """The answer parsed, after checking it against the OAI-PMH schema (metadata included)."""
    root = etree.fromstring(body)
    schema().assertValid(root)
    return root


async def ask(http: httpx.AsyncClient, node: Node, query: str) -> etree._Element:
    answer = await http.get(f"{node.base}/oai?{query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    return valid(answer.content)


def error_code(root: etree._Element) -> str | None:
    found = root.find("oai:error", NS)
    return None if found is None else found.get("code")


def texts(root: etree._Element, path: str) -> list[str]:
    return [str(x) for x in root.xpath(path + "/text()", namespaces=NS)]


async def publish_resource(node: Node, username: str, title: str, **fields: object) -> Object:
    resource: LearningResource = dataclasses.replace(QUIZ, title=title, **fields)  # type: ignore[arg-type]
    assert node.app is not None
    async with node.sessions.begin() as session:
        author = await actor_queries.local_by_username(session, username)
        assert author is not None
        return await publish.publish_resource(session, node.app[FEDERATION].urls, author, resource)
